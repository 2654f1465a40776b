/**
 * Coordinated omission, shown on a real server: Redis is paused (SIGSTOP of its process
 * group) for one second in the middle of a run that is measured two ways at once. The open
 * loop (requests on a fixed schedule, latency from the intended start) reports the stall in
 * its tail; a naive closed loop (one worker, latency from its own start) sees one slow
 * request among thousands, so its p99 hides the stall entirely.
 */

import assert from "node:assert/strict";
import { startEngine } from "../engines/mod.ts";
import { connectRedis } from "../engines/redis/client.ts";
import { runClosedLoop, runOpenLoop } from "./run.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

Deno.test("coordinated omission: a 1 s SIGSTOP shows in the open-loop tail, not in a closed loop's p99", async () => {
  await using e = await startEngine({ engine: "redis" });
  const openClient = await connectRedis(e.primary);
  const closedClient = await connectRedis(e.primary);
  await openClient.set("k", "v");
  const rate = 1000; // ops/s
  const stallMs = 1000;
  let slowOpen = 0; // open-loop ops whose latency from the intended start was >= 500 ms
  try {
    const stall = (async () => {
      await sleep(1000);
      await e.pause();
      await sleep(stallMs);
      await e.resume();
    })();
    const [open, closed] = await Promise.all([
      runOpenLoop({
        ratePerSec: rate,
        durationMs: 3000,
        maxInFlight: 5000, // one multiplexed connection: no slot limit distorts the schedule
        spinMs: 0, // timers only: the server shares the 2 cores
        op: async (_w, _rng, ctx) => {
          await openClient.get("k");
          if (performance.now() - ctx.intendedStartMs >= 500) slowOpen++;
        },
      }),
      runClosedLoop({
        concurrency: 1,
        durationMs: 3000,
        op: () => closedClient.get("k"),
      }),
      stall,
    ]);
    assert.equal(open.errors, 0);
    assert.equal(closed.errors, 0);
    // The open loop sees the stall: the request scheduled as the server stopped waited ~1 s,
    // and every request scheduled during the first half of the stall waited >= 500 ms.
    assert.ok(open.latency.max >= 800, `open-loop max ${open.latency.max} ms`);
    assert.ok(slowOpen >= rate * 0.4, `open-loop ops >= 500 ms: ${slowOpen}`);
    assert.ok(open.latency.p99 >= 500, `open-loop p99 ${open.latency.p99} ms`);
    // The closed loop waited too (its max shows one slow request), but it simply did not
    // issue requests during the stall, so its percentiles look healthy.
    assert.ok(closed.latency.max >= 800, `closed-loop max ${closed.latency.max} ms`);
    assert.ok(closed.ops > 500, `closed-loop ops ${closed.ops}`);
    assert.ok(
      closed.latency.p99 < open.latency.p99 / 10 && closed.latency.p99 < 50,
      `closed-loop p99 ${closed.latency.p99} ms vs open-loop p99 ${open.latency.p99} ms`,
    );
  } finally {
    openClient.disconnect();
    closedClient.disconnect();
  }
});
