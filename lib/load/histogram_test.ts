import assert from "node:assert/strict";
import { createHistogram, mergeHistograms, recordMicros, summarizeHistogram } from "./histogram.ts";
import { Recorder } from "./recorder.ts";

function near(actual: number, expected: number, relTol: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= relTol * Math.abs(expected),
    `${what}: ${actual} not within ${relTol * 100}% of ${expected}`,
  );
}

Deno.test("histogram percentiles of 1..10000 µs match the exact values within HDR precision", () => {
  const h = createHistogram();
  for (let us = 1; us <= 10_000; us++) recordMicros(h, us);
  const s = summarizeHistogram(h);
  assert.equal(s.count, 10_000);
  near(s.mean, 5.0005, 0.001, "mean");
  near(s.p50, 5.0, 0.001, "p50");
  near(s.p90, 9.0, 0.001, "p90");
  near(s.p95, 9.5, 0.001, "p95");
  near(s.p99, 9.9, 0.001, "p99");
  near(s.p999, 9.99, 0.001, "p99.9");
  near(s.max, 10.0, 0.001, "max");
  near(s.min, 0.001, 0.001, "min");
});

Deno.test("histogram: skewed data, empty summary, merge, large values", () => {
  const h = createHistogram();
  for (let i = 0; i < 990; i++) recordMicros(h, 100);
  for (let i = 0; i < 10; i++) recordMicros(h, 300_000); // ten 300 ms stalls
  const s = summarizeHistogram(h);
  near(s.p50, 0.1, 0.001, "p50");
  near(s.p99, 0.1, 0.001, "p99");
  near(s.p999, 300, 0.001, "p99.9");
  near(s.max, 300, 0.001, "max");
  assert.equal(summarizeHistogram(createHistogram()).count, 0);
  const big = createHistogram();
  recordMicros(big, 3_600_000_000); // one hour: beyond the initial range, auto-resized
  near(summarizeHistogram(big).max, 3_600_000, 0.001, "1 h");
  const m = mergeHistograms([h, big]);
  assert.equal(m.totalCount, 1001);
  assert.equal(h.totalCount, 1000);
});

Deno.test("recorder: per-op counts, error and retry classes, per-second series", () => {
  const rec = new Recorder(1000);
  rec.success("read", 500, 1000.5);
  rec.success("read", 1500, 1999);
  rec.success("write", 2000, 2500);
  rec.failure("write", "deadlock", 3100);
  rec.retry("write", "serialization_failure");
  const s = rec.summarize(4);
  assert.equal(s.ops, 3);
  assert.equal(s.errors, 1);
  assert.equal(s.retries, 1);
  assert.equal(s.throughput, 0.75);
  assert.equal(s.byOp.read.ops, 2);
  assert.equal(s.byOp.write.errorsByClass.deadlock, 1);
  assert.equal(s.byOp.write.retriesByClass.serialization_failure, 1);
  assert.equal(s.errorsByClass.other, 0);
  assert.deepEqual(s.timeseries.ops, [2, 1, 0]);
  assert.deepEqual(s.timeseries.errors, [0, 0, 1]);
  near(s.byOp.read.latency.max, 1.5, 0.001, "read max");
});
