import { REDACTED, redact, redactDeep, redactError, redactingLog } from "../lib/redact";

test("a secret and its URL-encoded form are redacted", () => {
  expect(redact("a p@ss/word b p%40ss%2Fword", ["p@ss/word"])).toBe(`a ${REDACTED} b ${REDACTED}`);
});

test("a configured URL goes whole, and its password alone when a peer prints it apart", () => {
  const redisUrl = "redis://:S3cr3t-pw@redis:6379/0";
  expect(redact(`REDIS_URL=${redisUrl} REDIS_PASSWORD=S3cr3t-pw`, [redisUrl])).toBe(`REDIS_URL=${REDACTED} REDIS_PASSWORD=${REDACTED}`);
});

test("a password inside any URL a peer echoes is redacted even when that URL was never configured", () => {
  const text = "boot: DATABASE_URL=postgres://app:Xy9%40q@db:5432/spec1 and amqp://guest:guest@mq/ and http://host:8080/path";
  expect(redact(text, [])).toBe(
    `boot: DATABASE_URL=postgres://app:${REDACTED}@db:5432/spec1 and amqp://guest:${REDACTED}@mq/ and http://host:8080/path`,
  );
  expect(redact("redis://:only-pw@redis:6379", [])).toBe(`redis://:${REDACTED}@redis:6379`);
});

test("a webhook URL's secret path is redacted when echoed without its host", () => {
  const hook = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX";
  expect(redact("posted to /services/T000/B000/XXXXsecretXXXX: 404", [hook])).toBe(`posted to ${REDACTED}: 404`);
});

test("objects of secrets (notify credentials) count by their strings; short values and non-strings are left alone", () => {
  const creds = { webhookUrl: undefined, smtpUsername: "mailer", smtpPassword: "smtp-pw-77" };
  expect(redact("user mailer pw smtp-pw-77 port 587 ok", [creds, "ok", 587, undefined])).toBe(
    `user ${REDACTED} pw ${REDACTED} port 587 ok`,
  );
});

test("redactDeep, redactingLog and redactError cover outputs, log lines and errors", () => {
  expect(redactDeep({ a: ["tok-1234"], b: { c: "x tok-1234" }, n: 3 }, ["tok-1234"])).toEqual({
    a: [REDACTED],
    b: { c: `x ${REDACTED}` },
    n: 3,
  });
  const lines: string[] = [];
  const log = redactingLog({ info: (m) => lines.push(`i ${m}`), warn: (m) => lines.push(`w ${m}`) }, ["tok-1234"]);
  log.info("sent tok-1234");
  log.warn("echo tok-1234");
  expect(lines).toEqual([`i sent ${REDACTED}`, `w echo ${REDACTED}`]);
  expect(redactError(new Error("401: bad token tok-1234"), ["tok-1234"]).message).toBe(`401: bad token ${REDACTED}`);
});
