/**
 * An object store is a peer like any other: its listing and its small reads end within their bounds whatever
 * it sends — a byte at a time, a continuation token it gave before, pages without end, pages just slow enough.
 * Each stand-in below is a plain HTTP server speaking just enough of S3's ListObjectsV2 and GetObject.
 */
import * as http from "http";
import { LISTING_TIMEOUTS, listAll, MAX_LISTED_OBJECTS, readHead, readText, S3Location } from "../restore/s3";
import { onLoopback } from "./helpers/loopback";

const CREDS = { accessKeyId: "AKIDHOSTILE", secretAccessKey: "not-a-secret" };

/** A listing page of `keys`, truncated with `next` when given. */
function page(keys: string[], next?: string): string {
  const contents = keys
    .map((k) => `<Contents><Key>${k}</Key><LastModified>2026-11-27T02:00:00.000Z</LastModified><Size>1</Size><ETag>"e"</ETag></Contents>`)
    .join("");
  const tail =
    next === undefined
      ? "<IsTruncated>false</IsTruncated>"
      : `<IsTruncated>true</IsTruncated><NextContinuationToken>${next}</NextContinuationToken>`;
  return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>backups</Name><Prefix>spec-1/</Prefix>${contents}${tail}</ListBucketResult>`;
}

async function store(handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void) {
  let n = 0;
  const server = await onLoopback(http.createServer((req, res) => handler(req, res, ++n)));
  const loc: S3Location = {
    endpoint: server.url,
    region: "us-east-1",
    bucket: "backups",
    prefix: "spec-1/",
    timeoutMs: 1000,
  };
  return {
    loc,
    requests: () => n,
    close: server.close,
  };
}

/** Runs `fn`, returning its error message and how long it took. */
async function failure(fn: () => Promise<unknown>): Promise<{ message: string; ms: number }> {
  const started = Date.now();
  const err = await fn().then(
    () => new Error("it succeeded"),
    (e: Error) => e,
  );
  return { message: err.message, ms: Date.now() - started };
}

test("a store trickling its answer a byte every 100 ms: the ranged read, the sidecar and the listing each end at backup.timeoutMs", async () => {
  const s3 = await store((req, res) => {
    res.writeHead(200, { "content-type": "application/xml", "content-length": "100000" });
    const timer = setInterval(() => res.write("<"), 100);
    req.on("close", () => clearInterval(timer));
  });
  try {
    for (const [what, fn] of [
      ["reading the first bytes of s3://backups/spec-1/x.dump", () => readHead(s3.loc, CREDS, "spec-1/x.dump", 16)],
      ["reading s3://backups/spec-1/x.dump.sha256", () => readText(s3.loc, CREDS, "spec-1/x.dump.sha256")],
    ] as const) {
      const { message, ms } = await failure(fn);
      expect(message).toBe(
        `${what}: no complete answer within 1 s (backup.timeoutMs); the object store is too slow or trickles its answer`,
      );
      expect(ms).toBeLessThan(2500);
    }
    const { message, ms } = await failure(() => listAll(s3.loc, CREDS));
    expect(message).toBe(
      "listing s3://backups/spec-1/: no complete answer within 1 s (backup.timeoutMs); the object store is too slow or trickles its answer",
    );
    expect(ms).toBeLessThan(2500);
  } finally {
    await s3.close();
  }
});

test("a listing that hands back a token it gave before fails at once, naming the loop", async () => {
  const s3 = await store((_req, res, n) => res.end(page([`spec-1/${n}.dump`], n % 2 === 0 ? "A" : "B")));
  try {
    const { message } = await failure(() => listAll(s3.loc, CREDS));
    expect(message).toBe(
      "listing s3://backups/spec-1/: the object store returned a continuation token twice; its listing does not advance",
    );
    expect(s3.requests()).toBe(3);
  } finally {
    await s3.close();
  }
});

test(`a listing without end stops past ${MAX_LISTED_OBJECTS} objects, naming the prefix setting`, async () => {
  const keys = (n: number) => Array.from({ length: 1000 }, (_, i) => `spec-1/${n}-${i}.dump`);
  const s3 = await store((_req, res, n) => res.end(page(keys(n), `t${n}`)));
  try {
    const { message } = await failure(() => listAll({ ...s3.loc, timeoutMs: 30000 }, CREDS));
    expect(message).toBe(
      `listing s3://backups/spec-1/: more than ${MAX_LISTED_OBJECTS} objects; set backup.prefix to the backups' own folder, or expire old backups`,
    );
    expect(s3.requests()).toBe(MAX_LISTED_OBJECTS / 1000 + 1);
  } finally {
    await s3.close();
  }
}, 60000);

test("pages each well inside backup.timeoutMs cannot stretch the listing past its own bound", async () => {
  // 300 ms a page against a 1 s bound per page: room for a loaded machine, and the listing's own 4 s still ends it.
  const s3 = await store((_req, res, n) => void setTimeout(() => res.end(page([`spec-1/${n}.dump`], `t${n}`)), 300));
  try {
    const { message, ms } = await failure(() => listAll(s3.loc, CREDS));
    expect(message).toMatch(
      new RegExp(
        `^listing s3://backups/spec-1/: not finished within 4 s \\(${LISTING_TIMEOUTS} × backup\\.timeoutMs\\); \\d+ objects listed so far$`,
      ),
    );
    expect(ms).toBeGreaterThanOrEqual(4000);
    expect(ms).toBeLessThan(5500);
  } finally {
    await s3.close();
  }
});
