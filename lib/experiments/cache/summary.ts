/**
 * What the cache notebook and the ADR read off the three tables: means over repetitions with
 * 95 % intervals per configuration, the headline comparisons, and the ADR's figures — all
 * computed from data/cache_*.csv, never typed in.
 */

import type { ResultRow } from "../../results/mod.ts";
import { summarizeBy } from "../../stats/mod.ts";

/** One configuration's mean and interval over repetitions, with its key columns. */
export interface CachePoint {
  key: Record<string, string>;
  /** `engine` or `engine policy` — the series name in charts. */
  series: string;
  mean: number;
  ciLow: number;
  ciHigh: number;
  min: number;
  max: number;
  n: number;
  /** The repetitions' values, in row order (their spread is cited beside a throughput). */
  values: number[];
}

/** Means of `metric` over repetitions, grouped by `keys`, rows filtered by `where`. */
export function cachePoints(
  rows: readonly ResultRow[],
  metric: string,
  keys: readonly string[],
  where: Record<string, string> = {},
): CachePoint[] {
  const picked = rows.filter((r) =>
    r.metric === metric && Object.entries(where).every(([k, v]) => String(r[k] ?? "") === v)
  );
  return summarizeBy(picked, keys, metric).map((g) => ({
    key: g.key,
    series: g.key.policy !== undefined ? `${g.key.engine} ${g.key.policy}` : g.key.engine,
    mean: g.mean,
    // One repetition gives no interval: draw the point alone rather than invent a spread.
    ciLow: Number.isNaN(g.ciLow) ? g.mean : g.ciLow,
    ciHigh: Number.isNaN(g.ciHigh) ? g.mean : g.ciHigh,
    min: g.min,
    max: g.max,
    n: g.n,
    values: g.values,
  }));
}

/** Flatten points for charts: key columns as numbers where they are numbers. */
export function chartRows(points: readonly CachePoint[], scale = 1): Record<string, unknown>[] {
  return points.map((p) => {
    const row: Record<string, unknown> = { series: p.series };
    for (const [k, v] of Object.entries(p.key)) {
      row[k] = v !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
    }
    return { ...row, mean: p.mean * scale, ciLow: p.ciLow * scale, ciHigh: p.ciHigh * scale };
  });
}

/** The hit ratio (client-counted) per engine × policy × skew × budget. */
export function hitRatioPoints(rows: readonly ResultRow[]): CachePoint[] {
  return cachePoints(rows, "hit_ratio", ["engine", "policy", "skew", "budget_pct"]);
}

/** One configuration's point; throws naming it when the data lacks it. */
export function pointOf(
  rows: readonly ResultRow[],
  metric: string,
  keys: readonly string[],
  where: Record<string, string>,
): CachePoint {
  const [p, ...more] = cachePoints(rows, metric, keys, where);
  const what = `${metric} at ${Object.entries(where).map(([k, v]) => `${k}=${v}`).join(", ")}`;
  if (!p) throw new Error(`no ${what}`);
  if (more.length) throw new Error(`${what} is ambiguous: ${more.length + 1} groups`);
  return p;
}

/** Hit ratio of one engine/policy at one skew and budget. */
export function hitAt(
  rows: readonly ResultRow[],
  engine: string,
  policy: string,
  skew: string,
  budget: string,
): CachePoint {
  return pointOf(rows, "hit_ratio", ["engine", "policy", "skew", "budget_pct"], {
    engine,
    policy,
    skew,
    budget_pct: budget,
  });
}

/** Runs whose hit ratio was counted on both sides, and how many disagreed. */
export function accountingTally(
  rows: readonly ResultRow[],
): { runs: number; disagreed: number; maxDiff: number } {
  const flags = rows.filter((r) => r.metric === "hit_accounting_agree");
  const diffs = rows.filter((r) => r.metric === "lookup_diff").map((r) => Math.abs(r.value));
  return {
    runs: flags.length,
    disagreed: flags.filter((r) => r.value !== 1).length,
    maxDiff: diffs.length ? Math.max(...diffs) : 0,
  };
}

/** Smallest memory an engine actually used in the sweep (bytes), and at which budget. */
export function minMemory(
  rows: readonly ResultRow[],
  engine: string,
): { bytes: number; budgetPct: string; limit: number } {
  const mem = rows.filter((r) => r.engine === engine && r.metric === "engine_memory_bytes");
  if (mem.length === 0) throw new Error(`no engine_memory_bytes for ${engine}`);
  const low = mem.reduce((a, b) => (b.value < a.value ? b : a));
  const limit =
    rows.find((r) =>
      r.engine === engine && r.metric === "memory_limit_bytes" && r.budget_pct === low.budget_pct &&
      r.repetition === low.repetition && r.skew === low.skew && r.policy === low.policy
    )?.value ?? NaN;
  return { bytes: low.value, budgetPct: String(low.budget_pct), limit };
}

/** The size of the hot data set (bytes). */
export function hotSetBytes(rows: readonly ResultRow[]): number {
  // The catalog's own row: measured on the database, before any cache configuration.
  const r = rows.find((x) => x.metric === "hot_set_bytes" && !x.policy);
  if (!r) throw new Error("no hot_set_bytes row");
  return r.value;
}

/** Engines skipped (any table), with their one-line reason. */
export function cacheSkipped(rows: readonly ResultRow[]): { engine: string; reason: string }[] {
  const seen = new Map<string, string>();
  for (const r of rows) {
    if (r.metric === "skipped" && !seen.has(r.engine)) seen.set(r.engine, String(r.reason));
  }
  return [...seen].map(([engine, reason]) => ({ engine, reason }));
}

/** Stale-read rate (all reads) per engine × strategy. */
export function stalePoints(rows: readonly ResultRow[]): CachePoint[] {
  return cachePoints(rows, "stale_rate", ["engine", "strategy"], { source: "all" });
}

/** Stale-read rate of one engine and strategy. */
export function staleAt(rows: readonly ResultRow[], engine: string, strategy: string): CachePoint {
  return pointOf(rows, "stale_rate", ["engine", "strategy"], { engine, strategy, source: "all" });
}

/** Largest stale age (p99 over runs' p99) for a strategy, ms; 0 when no run had a stale read. */
export function staleAgeP99(rows: readonly ResultRow[], engine: string, strategy: string): number {
  const v = rows.filter((r) =>
    r.engine === engine && r.strategy === strategy && r.metric === "stale_age_p99"
  );
  return v.length ? Math.max(...v.map((r) => r.value)) : 0;
}

/** Total stale and future reads over all consistency runs (the detector's bottom line). */
export function staleTotals(
  rows: readonly ResultRow[],
): { reads: number; stale: number; future: number; staleMisses: number } {
  const sum = (metric: string, where: (r: ResultRow) => boolean = () => true) =>
    rows.filter((r) => r.metric === metric && where(r)).reduce((a, r) => a + r.value, 0);
  const missReads = rows.filter((r) => r.metric === "stale_rate" && r.source === "miss");
  const missJudged = rows.filter((r) => r.metric === "reads_judged" && r.source === "miss");
  let staleMisses = 0;
  for (const m of missReads) {
    const n = missJudged.find((j) =>
      j.engine === m.engine && j.strategy === m.strategy && j.repetition === m.repetition
    );
    staleMisses += Math.round(m.value * (n?.value ?? 0));
  }
  return {
    reads: sum("reads_judged", (r) => String(r.source ?? "") === ""),
    stale: sum("stale_reads"),
    future: sum("future_reads"),
    staleMisses,
  };
}

/** Share of sessions lost by a restart, per engine × persistence × restart kind. */
export function lossPoints(rows: readonly ResultRow[]): CachePoint[] {
  return cachePoints(rows, "lost_fraction", ["engine", "persistence", "restart"]);
}

/** A latency percentile of hits or misses for an engine/policy at skew 0.99 and a budget. */
export function latencyAt(
  rows: readonly ResultRow[],
  metric: string,
  op: string,
  engine: string,
  policy: string,
  budget: string,
): CachePoint {
  return pointOf(rows, metric, ["engine", "policy", "skew", "budget_pct", "op"], {
    engine,
    policy,
    skew: "0.99",
    budget_pct: budget,
    op,
  });
}

/**
 * One figure of the cluster table (cache_cluster): `metric` of `engine`'s `event` (`join` or
 * `kill`) runs, over repetitions, narrowed by `where` (phase, backup_count).
 */
export function clusterAt(
  rows: readonly ResultRow[],
  engine: string,
  metric: string,
  event: string,
  where: Record<string, string> = {},
): CachePoint {
  return pointOf(rows, metric, ["engine", "event", ...Object.keys(where)], {
    engine,
    event,
    ...where,
  });
}
