/** The gateway's session list, held to the config's name rules: one clear error for each bad shape, never a TypeError. */
import * as http from "http";
import type { AddressInfo } from "net";
import { parseDrillConfig } from "../config/drill";
import { drillSessions } from "../drill/sessions";

let body = "[]";
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(body));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const discover = () => drillSessions(undefined, { url, token: "", timeoutMs: 2000 });
const refusal = (problem: string) =>
  `drill.sessions is not set and ${url}/sessions ${problem}; set drill.sessions to the sessions to drill (expected [{"id": "sales-1", "status": "open"}, …])`;

test("a well-formed list gives its ids in order", async () => {
  body = JSON.stringify([
    { id: "sales-1", status: "open" },
    { id: "support@2", status: "close" },
  ]);
  expect(await discover()).toEqual(["sales-1", "support@2"]);
});

test.each([
  ["an object instead of a list", { sessions: [] }, 'is not a list of sessions: {"sessions":[]}'],
  ["a list of bare strings", ["sales-1"], 'entry 0 has no string "id": "sales-1"'],
  ["a numeric id", [{ id: 7, status: "open" }], 'entry 0 has no string "id": {"id":7,"status":"open"}'],
  ["a null entry", [null], 'entry 0 has no string "id": null'],
  [
    "a CR/LF in an id",
    [{ id: "ok" }, { id: "evil\r\nX-Injected: 1" }],
    'entry 1: "evil\\r\\nX-Injected: 1" is not a name (letters, digits, _ . : @ + -)',
  ],
  ["a leading dash", [{ id: "-rf" }], 'entry 0: "-rf" is not a name (letters, digits, _ . : @ + -)'],
  ["a URN separator", [{ id: "a::b" }], 'entry 0: "a::b" contains "::", which separates the parts of a Pulumi URN'],
  ["a duplicate", [{ id: "sales-1" }, { id: "sales-1" }], 'lists "sales-1" twice'],
])("%s is refused by name", async (_label, answer, problem) => {
  body = JSON.stringify(answer);
  await expect(discover()).rejects.toThrow(new Error(refusal(problem)));
});

test("an answer that is not JSON says so instead of a SyntaxError stack", async () => {
  body = "<html>proxy error</html>";
  await expect(discover()).rejects.toThrow(
    /^drill\.sessions is not set and the gateway's session list could not be read \(.*JSON.*\); set drill\.sessions/,
  );
});

test("the config refuses a URN separator in drill.sessions with the same rule", () => {
  const drill = { queues: ["outbound"], testMessage: { chatId: "1@s", confirmUrl: "http://api/recent" }, sessions: ["a::b"] };
  expect(() => parseDrillConfig(drill, new Date())).toThrow(
    'drill.sessions: "a::b" contains "::", which separates the parts of a Pulumi URN; set a list, e.g. ["sales-1"]',
  );
});
