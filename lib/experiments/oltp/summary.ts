/**
 * What the OLTP notebook and the ADR read off the rows: per-configuration means with their
 * 95 % intervals over repetitions, the headline comparisons, and the ADR's figures — all
 * computed from data/oltp_throughput.csv, never typed in.
 */

import type { ResultRow } from "../../results/mod.ts";
import { ratioOfMeans, summarizeBy } from "../../stats/mod.ts";

/** One point of a chart: a configuration's mean and interval over repetitions. */
export interface OltpPoint {
  engine: string;
  isolation: string;
  concurrency: number;
  mean: number;
  ciLow: number;
  ciHigh: number;
  min: number;
  max: number;
  n: number;
  values: number[];
}

/** Means over repetitions of `metric` (for operation `op`) per engine × isolation × concurrency. */
export function oltpSummary(rows: readonly ResultRow[], metric: string, op = "all"): OltpPoint[] {
  const measured = rows.filter((r) =>
    r.metric === metric && String(r.op ?? "") === op && r.concurrency !== undefined &&
    r.concurrency !== ""
  );
  return summarizeBy(measured, ["engine", "isolation", "concurrency"], metric).map((g) => ({
    engine: g.key.engine,
    isolation: g.key.isolation,
    concurrency: Number(g.key.concurrency),
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

/** Engines that were skipped, with their one-line reason. */
export function oltpSkipped(rows: readonly ResultRow[]): { engine: string; reason: string }[] {
  return rows.filter((r) => r.metric === "skipped").map((r) => ({
    engine: r.engine,
    reason: String(r.reason),
  }));
}

/** The highest mean throughput of an engine at an isolation level, and where it was reached. */
export function peak(rows: readonly ResultRow[], engine: string, isolation: string): OltpPoint {
  const points = oltpSummary(rows, "throughput").filter((p) =>
    p.engine === engine && p.isolation === isolation
  );
  if (points.length === 0) throw new Error(`no throughput for ${engine} at ${isolation}`);
  return points.reduce((a, b) => (b.mean > a.mean ? b : a));
}

/** The point of `metric` at one engine, isolation and concurrency. */
export function pointAt(
  rows: readonly ResultRow[],
  metric: string,
  op: string,
  engine: string,
  isolation: string,
  concurrency: number,
): OltpPoint {
  const p = oltpSummary(rows, metric, op).find((x) =>
    x.engine === engine && x.isolation === isolation && x.concurrency === concurrency
  );
  if (!p) {
    throw new Error(`no ${metric}/${op} for ${engine} ${isolation} at ${concurrency} clients`);
  }
  return p;
}

/** Highest concurrency measured. */
export function maxConcurrency(rows: readonly ResultRow[]): number {
  return Math.max(
    ...rows.filter((r) => r.metric === "throughput").map((r) => Number(r.concurrency)).filter(
      Number.isFinite,
    ),
  );
}

/** Runs judged by the invariant check, and how many violated it. */
export function invariantTally(rows: readonly ResultRow[]): { runs: number; violated: number } {
  const flags = rows.filter((r) => r.metric === "invariant_valid");
  return { runs: flags.length, violated: flags.filter((r) => r.value !== 1).length };
}

/** Ratio of engine A's throughput to engine B's at one configuration, with its interval. */
export function throughputRatio(
  rows: readonly ResultRow[],
  a: string,
  b: string,
  isolation: string,
  concurrency: number,
) {
  const pa = pointAt(rows, "throughput", "all", a, isolation, concurrency);
  const pb = pointAt(rows, "throughput", "all", b, isolation, concurrency);
  return ratioOfMeans(pa.values, pb.values);
}
