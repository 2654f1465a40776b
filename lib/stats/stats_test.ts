import assert from "node:assert/strict";
import type { ResultRow } from "../results/schema.ts";
import {
  DEFAULT_REPETITIONS,
  ratioOfMeans,
  summarize,
  summarizeBy,
  T975,
  tQuantile975,
  Z975,
} from "./mod.ts";

const close = (a: number, b: number, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (tol ${tol})`);

Deno.test("t quantiles: table, interpolation between integers, large df, bad df", () => {
  assert.equal(T975.length, 30);
  close(tQuantile975(1), 12.706204736);
  close(tQuantile975(4), 2.776445105);
  close(tQuantile975(30), 2.042272456);
  close(tQuantile975(40), 2.021075383, 1e-6); // Cornish–Fisher
  close(tQuantile975(100), 1.983971519, 1e-6);
  close(tQuantile975(Infinity), Z975, 0);
  const mid = tQuantile975(4.5);
  assert.ok(mid < tQuantile975(4) && mid > tQuantile975(5));
  assert.throws(() => tQuantile975(0.5), /df must be >= 1, got 0.5/);
  assert.throws(() => tQuantile975(NaN), /df must be >= 1/);
});

Deno.test("summarize: hand-computed mean, sd and Student-t interval", () => {
  const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
  assert.equal(s.n, 8);
  assert.equal(s.mean, 5);
  close(s.stddev, 2.138089935);
  assert.equal(s.min, 2);
  assert.equal(s.max, 9);
  close(s.ciHalfWidth, 1.787487919);
  close(s.ciLow, 3.212512081);
  close(s.ciHigh, 6.787487919);
  const one = summarize([3]);
  assert.equal(one.mean, 3);
  assert.ok(Number.isNaN(one.stddev) && Number.isNaN(one.ciLow));
  const flat = summarize([7, 7, 7]);
  assert.equal(flat.ciLow, 7);
  assert.equal(flat.ciHigh, 7);
  assert.throws(() => summarize([]), /summarize: no values/);
  assert.throws(() => summarize([1, NaN]), /value 2 is not a finite number: NaN/);
  assert.equal(DEFAULT_REPETITIONS, 3);
});

Deno.test("ratioOfMeans: Fieller interval against hand computation", () => {
  // ā = 12, b̄ = 6, va = 4/3, vb = 1/3 → Welch df = 4, t = 2.776445105
  const r = ratioOfMeans([10, 12, 14], [5, 6, 7]);
  assert.equal(r.ratio, 2);
  close(r.df, 4, 1e-9);
  close(r.low, 1.354643305);
  close(r.high, 2.952806828);
  assert.ok(r.bounded);
  assert.equal(r.method, "fieller");
  assert.ok(r.high - r.ratio > r.ratio - r.low, "asymmetric, wider above");
  const exact = ratioOfMeans([4, 4], [2, 2]);
  assert.deepEqual([exact.low, exact.ratio, exact.high], [2, 2, 2]);
  const unb = ratioOfMeans([10, 11, 12], [-1, 0.5, 2]);
  assert.equal(unb.bounded, false);
  assert.equal(unb.low, -Infinity);
  assert.equal(unb.high, Infinity);
  const single = ratioOfMeans([10], [5, 6]);
  assert.equal(single.ratio, 10 / 5.5);
  assert.ok(Number.isNaN(single.low));
  assert.throws(() => ratioOfMeans([1, 2], [0, 0]), /mean of b is 0/);
});

function row(engine: string, repetition: number, value: number, extra = {}): ResultRow {
  return {
    experiment: "e",
    engine,
    engine_version: "1",
    provider: "native",
    engine_config: "",
    scale: "quick",
    seed: 1,
    repetition,
    metric: "throughput",
    value,
    unit: "ops/s",
    host_cpu: "cpu",
    host_cores: 2,
    host_mem_gib: 24,
    host_os: "linux",
    deno_version: "2.9.6",
    git_commit: "x",
    git_dirty: false,
    code_fingerprint: "",
    started_at: "2026-01-01T00:00:00Z",
    duration_s: 1,
    ...extra,
  };
}

Deno.test("summarizeBy: groups by dimension columns, summarises over repetitions", () => {
  const rows = [
    row("pg", 0, 10, { concurrency: 4 }),
    row("pg", 1, 12, { concurrency: 4 }),
    row("pg", 2, 14, { concurrency: 4 }),
    row("maria", 0, 5, { concurrency: 4 }),
    row("maria", 1, 7, { concurrency: 4 }),
    row("pg", 0, 99, { concurrency: "8" }),
    { ...row("pg", 0, 1), metric: "latency_p99", unit: "ms" },
  ];
  const g = summarizeBy(rows, ["engine", "concurrency"], "throughput");
  assert.equal(g.length, 3);
  assert.deepEqual(g[0].key, { engine: "pg", concurrency: "4" });
  assert.equal(g[0].n, 3);
  assert.equal(g[0].mean, 12);
  close(g[0].stddev, 2);
  close(g[0].ciHalfWidth, 4.968275124); // 4.30265273 · 2 / √3
  assert.deepEqual(g[0].values, [10, 12, 14]);
  assert.equal(g[0].unit, "ops/s");
  assert.deepEqual(g[1].key, { engine: "maria", concurrency: "4" });
  assert.equal(g[1].mean, 6);
  assert.deepEqual(g[2].key, { engine: "pg", concurrency: "8" });
  assert.equal(g[2].n, 1);
  assert.equal(summarizeBy(rows, ["engine"], "nothing").length, 0);
  assert.throws(
    () => summarizeBy(rows, ["engine"], "throughput"),
    /group engine=pg has two rows for repetition 0; add the column that tells them apart/,
  );
});
