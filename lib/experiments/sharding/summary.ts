/**
 * What the notebook and the ADR read off the experiment's rows: points with their spread over
 * repetitions, the pruning gain, the skew per shard key, the scale-out derivation, keys moved
 * per scheme, the reshard's dip and stalls, the sessions' latencies. Rows may come fresh from
 * a run (numbers) or replayed from CSV (strings): every comparison goes through String().
 *
 * @module
 */

import type { ResultRow } from "../../results/mod.ts";
import { ratioOfMeans, type RatioSummary, summarize, type Summary } from "../../stats/summary.ts";

type Where = Record<string, string | number>;

const matches = (r: ResultRow, where: Where) =>
  Object.entries(where).every(([k, v]) => String(r[k] ?? "") === String(v));

/** Values of `metric` in rows matching `where`, one per repetition (two for one is an error). */
export function valuesOf(rows: readonly ResultRow[], metric: string, where: Where): number[] {
  const found = rows.filter((r) => r.metric === metric && matches(r, where));
  const reps = new Set(found.map((r) => r.repetition));
  const what = `${metric} at ${Object.entries(where).map(([k, v]) => `${k}=${v}`).join(", ")}`;
  if (found.length === 0) throw new Error(`no ${what}`);
  if (reps.size !== found.length) {
    throw new Error(`${what} is ambiguous: ${found.length} rows for ${reps.size} repetitions`);
  }
  return found.map((r) => Number(r.value));
}

/** Mean and 95 % interval of `metric` over repetitions where `where` holds. */
export function pointOf(rows: readonly ResultRow[], metric: string, where: Where): Summary {
  return summarize(valuesOf(rows, metric, where));
}

/** A point for charts: the key columns, mean and interval (interval = mean with one value). */
export interface ChartPoint extends Record<string, string | number> {
  mean: number;
  low: number;
  high: number;
}

/** One chart point per distinct combination of `keys` among rows matching `where`. */
export function points(
  rows: readonly ResultRow[],
  metric: string,
  keys: readonly string[],
  where: Where = {},
  scale = 1,
): ChartPoint[] {
  const seen = new Map<string, Record<string, string>>();
  for (const r of rows) {
    if (r.metric !== metric || !matches(r, where)) continue;
    const key = Object.fromEntries(keys.map((k) => [k, String(r[k] ?? "")]));
    seen.set(JSON.stringify(key), key);
  }
  return [...seen.values()].map((key) => {
    const s = pointOf(rows, metric, { ...where, ...key });
    const numeric = Object.fromEntries(
      Object.entries(key).map((
        [k, v],
      ) => [k, v !== "" && Number.isFinite(Number(v)) ? Number(v) : v]),
    );
    return {
      ...numeric,
      mean: s.mean * scale,
      low: (Number.isNaN(s.ciLow) ? s.mean : s.ciLow) * scale,
      high: (Number.isNaN(s.ciHigh) ? s.mean : s.ciHigh) * scale,
    };
  });
}

/** Rows that record an engine skipped here, with the reason. */
export function skipped(rows: readonly ResultRow[]): { engine: string; reason: string }[] {
  return rows.filter((r) => r.metric === "skipped").map((r) => ({
    engine: r.engine,
    reason: String(r.reason ?? ""),
  }));
}

// ---- part 1 --------------------------------------------------------------------------------

/** Latency of a time-ranged query with pruning off over the same query with pruning on. */
export function pruningGain(
  rows: readonly ResultRow[],
  table: string,
  rangeH: number,
): RatioSummary {
  const at = (layout: string) =>
    valuesOf(rows, "latency_p50", { part: "query", table, layout, range_h: rangeH });
  return ratioOfMeans(at("partitioned_no_pruning"), at("partitioned"));
}

/** Pruning gain points (table × range) for the chart. */
export function pruningGainPoints(
  rows: readonly ResultRow[],
): { table: string; range_h: number; gain: number; low: number; high: number }[] {
  const seen = new Set<string>();
  const out = [];
  for (const r of rows) {
    if (r.part !== "query" || r.metric !== "latency_p50" || r.layout !== "partitioned") continue;
    const id = `${r.table}|${r.range_h}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const g = pruningGain(rows, String(r.table), Number(r.range_h));
    out.push({
      table: String(r.table),
      range_h: Number(r.range_h),
      gain: g.ratio,
      low: g.bounded ? g.low : g.ratio,
      high: g.bounded ? g.high : g.ratio,
    });
  }
  return out;
}

/** A plan fact (recorded once) of a query: partitions scanned, buffers, rows matched. */
export function planFact(
  rows: readonly ResultRow[],
  metric: string,
  table: string,
  layout: string,
  rangeH: number,
): number {
  return pointOf(rows, metric, { part: "query", table, layout, range_h: rangeH }).mean;
}

/** One retention row's value (DELETE on the plain table, DROP on partitions). */
export function retentionFact(
  rows: readonly ResultRow[],
  layout: "plain" | "partitioned",
  metric: string,
): number {
  return pointOf(rows, metric, { part: "retention", layout }).mean;
}

/** One maintenance row's value. */
export function maintenanceFact(rows: readonly ResultRow[], metric: string): number {
  return pointOf(rows, metric, { part: "maintenance" }).mean;
}

// ---- part 2 --------------------------------------------------------------------------------

/** Latency (`latency_p50`, `latency_p99`) of a path and query at a shard count, op `all`. */
export function shardLatency(
  rows: readonly ResultRow[],
  metric: string,
  path: string,
  query: string,
  shards: number,
): Summary {
  return pointOf(rows, metric, { part: "latency", path, query, shards, op: "all" });
}

/** Scatter-gather p50 over single-shard p50 at a shard count (the fan-out's price). */
export function scatterCost(
  rows: readonly ResultRow[],
  shards: number,
  path = "router",
): RatioSummary {
  const at = (query: string) =>
    valuesOf(rows, "latency_p50", { part: "latency", path, query, shards, op: "all" });
  return ratioOfMeans(at("scatter"), at("single"));
}

/** The model's value for a key, skew and shard count. */
export function model(
  rows: readonly ResultRow[],
  metric: string,
  key: string,
  skew: number,
  shards: number,
): number {
  return pointOf(rows, metric, { part: "skew_model", key, skew, shards }).mean;
}

/** A measured skew run's value (key, shard count), op `all` where the metric is a load metric. */
export function measured(
  rows: readonly ResultRow[],
  metric: string,
  key: string,
  shards: number,
): number {
  const load = ["throughput", "latency_p50", "latency_p99", "ops", "errors"].includes(metric);
  return pointOf(rows, metric, {
    part: "skew_measured",
    key,
    shards,
    ...(load ? { op: "all" } : {}),
  }).mean;
}

/** Largest gap between the measured and the modelled busiest share over the measured keys. */
export function modelAgreement(rows: readonly ResultRow[]): { maxGap: number; runs: number } {
  const runs = rows.filter((r) =>
    r.part === "skew_measured" && r.metric === "busiest_share" && String(r.shards) !== "1"
  );
  const gaps = runs.map((r) => {
    const m = rows.find((x) =>
      x.part === "skew_measured" && x.metric === "model_busiest_share" && x.key === r.key &&
      String(x.shards) === String(r.shards)
    );
    return Math.abs(Number(r.value) - Number(m?.value));
  });
  return { maxGap: Math.max(0, ...gaps), runs: runs.length };
}

/**
 * The scale-out derivation: one shard served the mix at `capacity` requests/s (measured, one
 * server holding everything); with n shards on their own hosts the busiest shard saturates
 * first, so the cluster serves `capacity × speedup` (lib/sharding/skew.ts, from the measured
 * model). Cores shared on this machine do not enter it.
 */
export function projectedThroughput(
  rows: readonly ResultRow[],
  key: string,
  skew: number,
  shards: number,
): number {
  return measured(rows, "throughput", "customer", 1) * model(rows, "speedup", key, skew, shards);
}

/** Chart rows of the derivation: projected throughput per key and shard count at one skew. */
export function projectionPoints(
  rows: readonly ResultRow[],
  skew: number,
): { key: string; shards: number; throughput: number }[] {
  const ns = [...new Set(rows.filter((r) => r.part === "skew_model").map((r) => Number(r.shards)))]
    .sort((a, b) => a - b);
  const keys = [...new Set(rows.filter((r) => r.part === "skew_model").map((r) => String(r.key)))];
  const ideal = ns.map((n) => ({
    key: "ideal (n × one shard)",
    shards: n,
    throughput: measured(rows, "throughput", "customer", 1) * n,
  }));
  return [
    ...keys.flatMap((key) =>
      ns.map((n) => ({ key, shards: n, throughput: projectedThroughput(rows, key, skew, n) }))
    ),
    ...ideal,
  ];
}

/** A transfer run's value by mode (op `all` for load metrics). */
export function transfer(rows: readonly ResultRow[], metric: string, mode: string): Summary {
  const load = metric.startsWith("latency_") || metric === "throughput" || metric === "errors";
  return pointOf(rows, metric, { part: "transfer", mode, ...(load ? { op: "all" } : {}) });
}

/** Transfer runs whose final state passed the checker, of all transfer runs. */
export function transferTally(rows: readonly ResultRow[]): { runs: number; valid: number } {
  const v = rows.filter((r) => r.part === "transfer" && r.metric === "invariant_valid");
  return { runs: v.length, valid: v.filter((r) => Number(r.value) === 1).length };
}

// ---- part 3 --------------------------------------------------------------------------------

/** Computed share of keys moved when node n+1 joins n nodes. */
export function movedComputed(rows: readonly ResultRow[], scheme: string, nodes: number): number {
  return pointOf(rows, "keys_moved_share", { part: "computed", scheme, nodes }).mean;
}

/** A pool measurement of one scheme (no window: keys; with a window: hit ratios). */
export function pool(
  rows: readonly ResultRow[],
  metric: string,
  scheme: string,
  window = "",
): number {
  return pointOf(rows, metric, { part: "pool", scheme, window }).mean;
}

/** Largest gap between measured and computed keys moved over the schemes of the pool. */
export function poolAgreement(rows: readonly ResultRow[]): number {
  const r = rows.filter((x) => x.part === "pool" && x.metric === "keys_moved_measured");
  return Math.max(
    0,
    ...r.map((x) =>
      Math.abs(Number(x.value) - pool(rows, "keys_moved_computed", String(x.scheme)))
    ),
  );
}

/** A reshard summary metric over repetitions. */
export function reshard(rows: readonly ResultRow[], metric: string): Summary {
  return pointOf(rows, metric, { part: "reshard" });
}

/** The worst dip of a reshard: 1 − lowest bucket / baseline, per repetition. */
export function reshardDip(rows: readonly ResultRow[]): Summary {
  const base = valuesOf(rows, "baseline_throughput", { part: "reshard" });
  const low = valuesOf(rows, "min_bucket_throughput", { part: "reshard" });
  return summarize(base.map((b, i) => (b > 0 ? 1 - low[i] / b : 0)));
}

/** Sum of a reshard metric over every repetition (errors, lost writes, redirections). */
export function reshardTotal(rows: readonly ResultRow[], metric: string): number {
  return valuesOf(rows, metric, { part: "reshard" }).reduce((a, b) => a + b, 0);
}

// ---- part 4 --------------------------------------------------------------------------------

/** Session-store latency (or throughput) of one engine and operation. */
export function session(
  rows: readonly ResultRow[],
  engine: string,
  op: string,
  metric: string,
): Summary {
  return pointOf(rows, metric, { engine, op });
}

/** Failed share of an operation on one engine over its attempts, all repetitions together. */
export function sessionFailure(rows: readonly ResultRow[], engine: string, op: string): number {
  const ok = valuesOf(rows, "ops", { engine, op }).reduce((a, b) => a + b, 0);
  const err = valuesOf(rows, "errors", { engine, op }).reduce((a, b) => a + b, 0);
  return ok + err ? err / (ok + err) : 0;
}
