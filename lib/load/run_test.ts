import assert from "node:assert/strict";
import { withRetry } from "./retry.ts";
import { runClosedLoop, runOpenLoop } from "./run.ts";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A one-request-at-a-time "server" that stalls once for `stallMs` at its `stallAt`-th call. */
function serialServer(serviceMs: number, stallAt: number, stallMs: number) {
  let queue = Promise.resolve();
  let calls = 0;
  return () => {
    const n = calls++;
    const done = queue.then(() => sleep(n === stallAt ? stallMs : serviceMs));
    queue = done;
    return done;
  };
}

Deno.test("closed loop: exact measured count, names, errors by class, retries", async () => {
  let n = 0;
  const r = await runClosedLoop({
    concurrency: 4,
    operations: 60,
    op: async (_w, rng, ctx) => {
      const k = n++;
      ctx.name = k % 2 === 0 ? "read" : "write";
      await sleep(0);
      if (k % 10 === 9) throw Object.assign(new Error("deadlock detected"), { code: "40P01" });
      if (ctx.name === "write") {
        let first = true;
        await withRetry(() => {
          if (first) {
            first = false;
            throw Object.assign(new Error("conflict"), { code: "40001" });
          }
        }, { maxRetries: 1, sink: ctx });
      }
      return rng.next() < 2 ? undefined : "never";
    },
  });
  assert.equal(r.mode, "closed");
  assert.equal(r.concurrency, 4);
  assert.equal(r.ops + r.errors, 60);
  assert.equal(n, 60);
  assert.equal(r.errors, 6);
  assert.equal(r.errorsByClass.deadlock, 6);
  assert.equal(r.byOp.write.errors, 6); // k % 10 === 9 is always odd: a write
  assert.equal(r.byOp.read.ops, 30);
  assert.equal(r.byOp.write.ops, 24);
  assert.equal(r.retries, 24);
  assert.equal(r.retriesByClass.serialization_failure, 24);
  assert.ok(r.elapsedS > 0 && r.throughput > 0);
  assert.equal(r.timeseries.ops.reduce((a, b) => a + b, 0), 54);
});

Deno.test("closed loop: warm-up runs but is not recorded; duration mode stops", async () => {
  let calls = 0;
  const r = await runClosedLoop({
    concurrency: 2,
    operations: 20,
    warmupMs: 60,
    op: async () => {
      calls++;
      await sleep(2);
      return "x";
    },
  });
  assert.equal(r.ops, 20);
  assert.ok(calls > 20, `warm-up calls executed: ${calls}`);
  assert.equal(r.warmupMs, 60);

  const d = await runClosedLoop({
    concurrency: 3,
    durationMs: 150,
    op: () => sleep(1),
  });
  assert.ok(d.ops > 3, `ops ${d.ops}`);
  assert.ok(d.elapsedS >= 0.15 && d.elapsedS < 5, `elapsed ${d.elapsedS}`);
  assert.ok(d.byOp.op.ops === d.ops);
});

Deno.test("open loop: intended starts are spaced exactly 1/rate; counts and warm-up", async () => {
  const intended: number[] = [];
  const r = await runOpenLoop({
    ratePerSec: 500,
    operations: 40,
    warmupMs: 20,
    op: (_w, _rng, ctx) => {
      if (ctx.measured) intended.push(ctx.intendedStartMs);
      return sleep(1);
    },
  });
  assert.equal(r.mode, "open");
  assert.equal(r.ops, 40);
  assert.equal(intended.length, 40);
  for (let i = 1; i < intended.length; i++) {
    assert.ok(Math.abs(intended[i] - intended[i - 1] - 2) < 1e-6, `gap ${i}`);
  }
  assert.equal(r.schedule!.scheduled, 40);
  assert.equal(r.schedule!.ratePerSec, 500);
  assert.equal(r.schedule!.startLag.count, 40);
  assert.ok(r.elapsedS >= 0.078, `elapsed ${r.elapsedS}`); // 39 gaps of 2 ms

  const timersOnly = await runOpenLoop({
    ratePerSec: 200,
    operations: 10,
    spinMs: 0,
    op: () => undefined,
  });
  assert.equal(timersOnly.ops, 10);
});

Deno.test("open loop shows a 300 ms server stall in the tail; closed loop hides it", async () => {
  // 200 ops/s for 100 ops against a serial server (1 ms per request) that stalls once for
  // 300 ms at request 20: requests scheduled during the stall queue up behind it.
  const open = await runOpenLoop({
    ratePerSec: 200,
    operations: 100,
    op: serialServer(1, 20, 300),
  });
  assert.equal(open.ops, 100);
  assert.ok(open.latency.max >= 290, `open max ${open.latency.max}`);
  // ~60 requests were scheduled during the stall; ~40 % waited more than 100 ms.
  assert.ok(open.latency.p90 >= 100, `open p90 ${open.latency.p90}`);

  const closed = await runClosedLoop({
    concurrency: 1,
    operations: 100,
    op: serialServer(1, 20, 300),
  });
  assert.ok(closed.latency.max >= 290, `closed max ${closed.latency.max}`);
  assert.ok(closed.latency.p90 < 100, `closed p90 ${closed.latency.p90}`); // one slow sample
});

Deno.test("open loop: maxInFlight bounds concurrency and counts blocked starts", async () => {
  let now = 0;
  let peak = 0;
  const r = await runOpenLoop({
    ratePerSec: 1000,
    operations: 20,
    maxInFlight: 2,
    op: async (w) => {
      assert.ok(w === 0 || w === 1);
      peak = Math.max(peak, ++now);
      await sleep(10);
      now--;
    },
  });
  assert.equal(r.ops, 20);
  assert.ok(peak <= 2);
  assert.equal(r.schedule!.maxInFlightSeen, 2);
  assert.ok(r.schedule!.blockedStarts > 0);
  assert.ok(r.schedule!.lateStarts > 0);
  assert.ok(r.latency.max >= 50, `queued starts count in latency: ${r.latency.max}`);
});

Deno.test("open loop: ops still running at the drain timeout count as timeouts", async () => {
  let k = 0;
  const r = await runOpenLoop({
    ratePerSec: 1000,
    operations: 3,
    drainTimeoutMs: 50,
    op: (_w, _rng, ctx) => {
      ctx.name = "get";
      return k++ === 1 ? new Promise(() => {}) : undefined;
    },
  });
  assert.equal(r.ops, 2);
  assert.equal(r.schedule!.abandoned, 1);
  assert.equal(r.byOp.get.errorsByClass.timeout, 1);
});

Deno.test("config validation: one clear line naming the field and value", async () => {
  const op = () => {};
  const cases: [() => Promise<unknown>, string][] = [
    [
      () => runOpenLoop({ op, ratePerSec: 0, operations: 1 }),
      "runOpenLoop: ratePerSec must be a positive finite number, got 0",
    ],
    [
      () => runOpenLoop({ op, ratePerSec: -5, durationMs: 10 }),
      "runOpenLoop: ratePerSec must be a positive finite number, got -5",
    ],
    [
      () => runClosedLoop({ op, concurrency: 0, operations: 1 }),
      "runClosedLoop: concurrency must be a positive integer, got 0",
    ],
    [
      () => runClosedLoop({ op, concurrency: 1, durationMs: -1 }),
      "runClosedLoop: durationMs must be a positive finite number, got -1",
    ],
    [
      () => runClosedLoop({ op, concurrency: 1, durationMs: 0 }),
      "runClosedLoop: durationMs must be a positive finite number, got 0",
    ],
    [
      () => runClosedLoop({ op, concurrency: 1 }),
      "runClosedLoop: give exactly one of durationMs or operations",
    ],
    [
      () => runClosedLoop({ op, concurrency: 1, durationMs: 5, operations: 5 }),
      "runClosedLoop: give exactly one of durationMs or operations",
    ],
    [
      () => runClosedLoop({ op, concurrency: 1, operations: 2.5 }),
      "runClosedLoop: operations must be a positive integer, got 2.5",
    ],
    [
      () => runOpenLoop({ op, ratePerSec: 10, operations: 1, warmupMs: -1 }),
      "runOpenLoop: warmupMs must be a finite number >= 0, got -1",
    ],
    [
      () => runOpenLoop({ op, ratePerSec: 10, operations: 1, maxInFlight: 0 }),
      "runOpenLoop: maxInFlight must be a positive integer, got 0",
    ],
  ];
  for (const [run, message] of cases) {
    await assert.rejects(run, (e: Error) => {
      assert.equal(e.message, message);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("progress: the run's counters reach the tick callback, the last one final", async () => {
  const states: { phase: string; ops: number }[] = [];
  const result = await runClosedLoop({
    concurrency: 2,
    durationMs: 700,
    op: () => new Promise((r) => setTimeout(r, 1)),
    progress: (s) => states.push({ phase: s.phase, ops: s.ops }),
  });
  assert.ok(states.length >= 2, `ticks: ${states.length}`);
  assert.equal(states.at(-1)!.ops, result.ops);
  assert.ok(states.every((s, i) => i === 0 || s.ops >= states[i - 1].ops));
});
