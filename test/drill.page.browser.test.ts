/**
 * The drill page as the operator sees it: Debian's chromium (apt, scripts/setup) driven by playwright-core,
 * no browser download. The drill runs through Pulumi's provider host against the stand-in gateway rotating
 * its QR every 2 s; the QR on the page is decoded from a screenshot (jsqr + pngjs) and must equal the
 * gateway's current one, and the page must have drawn it within 1 s of each rotation.
 */
import * as net from "net";
import jsQR from "jsqr";
import { Browser, chromium, Page } from "playwright-core";
import { ProviderHost } from "../harness/providerHost";
import { pausedQueues } from "../drill/queues";
import { DrillRun, DrillWorld, drillConfig, QUEUES, relogin, startDrillWorld, startProviderHost, upDrill } from "./helpers/drillStack";

const { PNG } = require("pngjs") as { PNG: { sync: { read(buf: Buffer): { width: number; height: number; data: Buffer } } } };

const SESSION = "browser";
const ROTATE_MS = 2000;
let world: DrillWorld;
let host: ProviderHost;
let browser: Browser;

beforeAll(async () => {
  [world, host, browser] = await Promise.all([
    startDrillWorld(),
    startProviderHost({ stack: "drill" }),
    chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] }),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await world?.stop();
});

/** The QR on screen, decoded from a screenshot, with the image source that was shown throughout the screenshot. */
async function screenQr(page: Page): Promise<{ text?: string; src: string } | undefined> {
  const img = page.locator("#qr");
  const src = await img.getAttribute("src");
  if (!src) return undefined;
  const png = PNG.sync.read(await img.screenshot());
  if ((await img.getAttribute("src")) !== src) return undefined;
  return { text: jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data, src };
}

/**
 * Stamps, in the page, when each QR image was decoded and its frame drawn (same machine, same clock as the runner).
 * The lag is measured from these stamps, not from the end of the test's screenshot: under load a screenshot alone
 * takes hundreds of milliseconds, which is the test's time, not the operator's.
 */
const STAMP_SHOWN = () => {
  const shown: Record<string, number> = ((window as any).__shown = {});
  new MutationObserver(() => {
    const img = document.getElementById("qr") as HTMLImageElement | null;
    const src = img?.getAttribute("src");
    if (!img || !src || src in shown) return;
    shown[src] = 0;
    img.decode().then(
      () => requestAnimationFrame(() => (shown[src] = Date.now())),
      () => undefined,
    );
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["src"] });
};

/** When the gateway sent QR n of this run (its own log's timestamp). */
function qrSentAt(n: number): number | undefined {
  const line = world.gateway.logLines.find((l) =>
    l.endsWith(n === 1 ? `session ${SESSION}: QR generated` : `session ${SESSION}: QR ${n} generated`),
  );
  return line ? Date.parse(line.slice(0, line.indexOf(" "))) : undefined;
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined | null> | T | undefined | null): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms}ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

test("the page's QR, decoded from a screenshot, equals the gateway's within 1 s of each rotation; open shows success; wrong path 404; port closed after", async () => {
  // Nobody scans until the rotations are checked.
  world.gateway.set({ qrRotateMs: ROTATE_MS, scanQr: 1000, scanAfterMs: 500 });
  const out = host.output().length;
  const config = drillConfig(world, "browser-run", { sessions: [SESSION], openTimeoutMs: 30000, qrTimeoutMs: 5000 });
  let drill: DrillRun | undefined;
  const running = upDrill(host, config, world.secrets).then((d) => (drill = d));

  const url = await until("the page's log line", 30000, () =>
    /drill page (http:\/\/127\.0\.0\.1:(\d+)\/[0-9a-f]{32}\/)/.exec(host.output().slice(out)),
  );
  const [address, port] = [url[1], Number(url[2])];

  // Nothing but the page's own path answers.
  for (const wrong of ["/", `/${"0".repeat(32)}/`, new URL(address).pathname.slice(0, -1), `${new URL(address).pathname}x`]) {
    expect([wrong, (await fetch(`http://127.0.0.1:${port}${wrong}`)).status]).toEqual([wrong, 404]);
  }

  const page = await browser.newPage();
  await page.addInitScript(STAMP_SHOWN);
  await page.goto(address);
  // The page opened at some QR (the browser's start may span a rotation): it shows the gateway's current one.
  const current = await until("the page shows the gateway's current QR", 10000, async () => {
    const qr = world.gateway.currentQr(SESSION);
    return qr !== undefined && (await screenQr(page))?.text === qr ? qr : undefined;
  });
  const first = Number(/-1-(\d+)-\d+,/.exec(current)![1]);
  // Each of the next three rotations reaches the open page within 1 s of the gateway sending it.
  const lags: number[] = [];
  for (let n = first + 1; n <= first + 3; n++) {
    const sentAt = await until(`QR ${n} sent`, ROTATE_MS + 5000, () => qrSentAt(n));
    const expected = world.gateway.currentQr(SESSION)!;
    expect(expected).toContain(`-1-${n}-`);
    // The screenshot proves what is on screen; the page's stamp says since when. The probe itself may take longer
    // than the second it checks on a loaded machine, so its own bound has room for that.
    const { src } = await until(`page shows QR ${n}`, Math.max(0, sentAt + 1000 - Date.now()) + 5000, async () => {
      const seen = await screenQr(page);
      return seen?.text === expected ? seen : undefined;
    });
    const shownAt = await until(`the page's stamp for QR ${n}`, 2000, () =>
      page.evaluate((s) => (window as any).__shown[s] || undefined, src),
    );
    lags.push(shownAt - sentAt);
    expect(shownAt - sentAt).toBeLessThanOrEqual(1000);
    expect(await page.locator("#attempt").textContent()).toBe("1");
    expect(await page.locator("#max").textContent()).toBe("3");
    expect(await page.locator("#qrn").textContent()).toBe(String(n));
    expect(Number((await page.locator("#left").textContent())!.replace(" s", ""))).toBeGreaterThan(0);
  }
  // The device scans the next QR. Its number is read from the gateway at the moment of the switch (same process, one
  // turn of the event loop): the stand-in decides on a scan when it emits a QR, so a switch made from the test's own
  // count could land after that QR went out on a loaded machine and nobody would ever scan.
  const scanAt = Number(/-1-(\d+)-\d+,/.exec(world.gateway.currentQr(SESSION)!)![1]) + 1;
  world.gateway.set({ scanQr: scanAt });
  await until(
    "the page shows success",
    ROTATE_MS * 2 + 3000,
    async () => (await page.locator("body").getAttribute("data-status")) === "open",
  );
  expect(await page.locator("#status").textContent()).toContain("linked: session open");
  console.log(`drill page: decoded QR equal to the gateway's, lag after each rotation (ms): ${lags.join(", ")}`);

  await running;
  expect(drill!.step(relogin(SESSION)).outs).toMatchObject({ ok: true, attempts: [{ result: "open", qrsShown: scanAt }] });
  expect(await portOpen(port)).toBe(false);
  expect(await pausedQueues({ redisUrl: world.redis.url, prefix: "bull", timeoutMs: 2000 }, QUEUES)).toEqual([]);
  await page.close();
});
