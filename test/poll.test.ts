/** The one bounded wait: fixed pacing from attempt start to attempt start, and a deadline no attempt can stretch. */
import { DeadlineError, pollUntil } from "../lib/poll";

test("the verdict comes within one interval of the condition holding, however long the wait has been", async () => {
  const start = Date.now();
  const starts: number[] = [];
  const holdsAt = 1300;
  const value = await pollUntil(
    async () => {
      starts.push(Date.now() - start);
      return Date.now() - start >= holdsAt ? { done: true, value: "up" } : { done: false, seen: "down" };
    },
    { what: "service", deadlineMs: 5000, intervalMs: 200 },
  );
  expect(value).toBe("up");
  expect(starts[starts.length - 1]).toBeLessThan(holdsAt + 200 + 100);
  // Attempts a fixed interval apart: the 7th starts near 1200 ms, not after a growing wait.
  expect(starts.length).toBeGreaterThanOrEqual(7);
});

test("attempts start an interval apart counted from the previous start, so a slow attempt does not add its own time", async () => {
  const start = Date.now();
  const starts: number[] = [];
  await expect(
    pollUntil(
      async () => {
        starts.push(Date.now() - start);
        await new Promise((resolve) => setTimeout(resolve, 150));
        return { done: false, seen: "slow" };
      },
      { what: "slow service", deadlineMs: 1000, intervalMs: 200 },
    ),
  ).rejects.toThrow("slow service: not reached within 1s; last seen: slow");
  const gaps = starts.slice(1).map((s, i) => s - starts[i]);
  for (const gap of gaps) expect(gap).toBeLessThan(200 + 60);
});

test("an attempt that never returns ends the wait at the deadline, with what the earlier attempts saw", async () => {
  const start = Date.now();
  let calls = 0;
  const error = await pollUntil(
    async () => (++calls === 1 ? { done: false as const, seen: "refused" } : new Promise<never>(() => undefined)),
    { what: "hanging peer", deadlineMs: 400, intervalMs: 50 },
  ).catch((err: DeadlineError) => err);
  expect(Date.now() - start).toBeLessThan(400 + 150);
  expect((error as DeadlineError).message).toMatch(/^hanging peer: not reached within 4\d\dms; last seen: refused$/);
});

test("no later attempt starts too close to the deadline to answer: the report keeps what the last real attempt saw", async () => {
  const given: number[] = [];
  const error = await pollUntil(
    async (remainingMs) => {
      given.push(remainingMs);
      return { done: false as const, seen: remainingMs < 100 ? `no answer within ${remainingMs}ms` : "degraded" };
    },
    { what: "api health", deadlineMs: 1000, intervalMs: 290 },
  ).catch((err: DeadlineError) => err);
  // Attempts at 0, 290 and 580 ms; at 870 ms only 130 ms would be left.
  expect(given).toHaveLength(3);
  expect(Math.min(...given)).toBeGreaterThanOrEqual(200);
  expect((error as DeadlineError).message).toBe("api health: not reached within 1s; last seen: degraded");
});

test("a first attempt that never returns: the wait ends at the deadline saying no attempt answered", async () => {
  const started = Date.now();
  await expect(
    pollUntil(() => new Promise<never>(() => undefined), { what: "silent peer", deadlineMs: 300, intervalMs: 50 }),
  ).rejects.toThrow(/^silent peer: not reached within 3\d\dms; last seen: no answer: the first attempt was still running$/);
  expect(Date.now() - started).toBeLessThan(300 + 150);
});

test("a wait that ran to its deadline reports the whole deadline, never a millisecond less (timers may fire early by Date.now())", async () => {
  const waited: number[] = [];
  for (let i = 0; i < 20; i++) {
    const err = await pollUntil(async () => ({ done: false, seen: "not yet" }), { what: "x", deadlineMs: 60, intervalMs: 10 }).catch(
      (e: DeadlineError) => e,
    );
    waited.push((err as DeadlineError).waitedMs);
  }
  expect(waited.filter((ms) => ms < 60)).toEqual([]);
});
