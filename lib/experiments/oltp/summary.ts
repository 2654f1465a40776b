/**
 * What the OLTP notebook and the ADR read off the rows: per-configuration means with their
 * 95 % intervals over repetitions, the headline comparisons, and the ADR's figures — all
 * computed from data/oltp_throughput.csv, never typed in.
 */

import type { ResultRow } from "../../results/mod.ts";
import { ratioOfMeans, summarizeBy } from "../../stats/mod.ts";
import { type FigureSet, formatNumber, formatPercent } from "../../report/adr.ts";

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

const FILE = "oltp_throughput.csv";
const tps = (p: OltpPoint) =>
  `${formatNumber(p.mean, { decimals: 0 })} ops/s at ${p.concurrency} clients`;
const NAMES: Record<string, string> = {
  postgres: "PostgreSQL",
  mariadb: "MariaDB",
  cockroachdb: "CockroachDB",
};

/** The OLTP section's figures in the ADR. */
export const oltpFigures: FigureSet = {
  "oltp.pg_rc_peak": async (d) => tps(peak(await d.rows(FILE), "postgres", "read committed")),
  "oltp.maria_rc_peak": async (d) => tps(peak(await d.rows(FILE), "mariadb", "read committed")),
  "oltp.pg_ser_peak": async (d) => tps(peak(await d.rows(FILE), "postgres", "serializable")),
  "oltp.maria_ser_peak": async (d) => tps(peak(await d.rows(FILE), "mariadb", "serializable")),
  "oltp.pg_ser_abort_max": async (d) => {
    const rows = await d.rows(FILE);
    return formatPercent(
      pointAt(rows, "abort_rate", "checkout", "postgres", "serializable", maxConcurrency(rows))
        .mean,
    );
  },
  "oltp.maria_ser_abort_max": async (d) => {
    const rows = await d.rows(FILE);
    return formatPercent(
      pointAt(rows, "abort_rate", "checkout", "mariadb", "serializable", maxConcurrency(rows)).mean,
    );
  },
  "oltp.pg_rc_checkout_p99_max": async (d) => {
    const rows = await d.rows(FILE);
    return `${
      formatNumber(
        pointAt(rows, "latency_p99", "checkout", "postgres", "read committed", maxConcurrency(rows))
          .mean,
        { decimals: 1 },
      )
    } ms`;
  },
  "oltp.maria_rc_checkout_p99_max": async (d) => {
    const rows = await d.rows(FILE);
    return `${
      formatNumber(
        pointAt(rows, "latency_p99", "checkout", "mariadb", "read committed", maxConcurrency(rows))
          .mean,
        { decimals: 1 },
      )
    } ms`;
  },
  "oltp.ratio_pg_maria_rc_max": async (d) => {
    const rows = await d.rows(FILE);
    const r = throughputRatio(rows, "postgres", "mariadb", "read committed", maxConcurrency(rows));
    return `${r.ratio.toFixed(2)}× (95 % CI ${r.low.toFixed(2)}–${r.high.toFixed(2)})`;
  },
  "oltp.rc_leader_max": async (d) => {
    const rows = await d.rows(FILE);
    const r = throughputRatio(rows, "postgres", "mariadb", "read committed", maxConcurrency(rows));
    return r.low > 1
      ? "PostgreSQL is ahead"
      : r.high < 1
      ? "MariaDB is ahead"
      : "neither engine is clearly ahead";
  },
  "oltp.p99_leader_max": async (d) => {
    const rows = await d.rows(FILE);
    const c = maxConcurrency(rows);
    const pg = pointAt(rows, "latency_p99", "checkout", "postgres", "read committed", c);
    const my = pointAt(rows, "latency_p99", "checkout", "mariadb", "read committed", c);
    if (pg.ciHigh < my.ciLow) return "PostgreSQL's is lower";
    if (my.ciHigh < pg.ciLow) return "MariaDB's is lower";
    return "neither is clearly lower";
  },
  "oltp.pg_ser_cost_max": async (d) => {
    const rows = await d.rows(FILE);
    const c = maxConcurrency(rows);
    const rc = pointAt(rows, "throughput", "all", "postgres", "read committed", c).mean;
    const ser = pointAt(rows, "throughput", "all", "postgres", "serializable", c).mean;
    return formatPercent(1 - ser / rc, 0);
  },
  "oltp.pg_rc_checkout_p99_c16": async (d) =>
    `${
      formatNumber(
        pointAt(await d.rows(FILE), "latency_p99", "checkout", "postgres", "read committed", 16)
          .mean,
        { decimals: 1 },
      )
    } ms`,
  "oltp.maria_rc_checkout_p99_c16": async (d) =>
    `${
      formatNumber(
        pointAt(await d.rows(FILE), "latency_p99", "checkout", "mariadb", "read committed", 16)
          .mean,
        { decimals: 1 },
      )
    } ms`,
  "oltp.max_clients": async (d) => String(maxConcurrency(await d.rows(FILE))),
  "oltp.invariant": async (d) => {
    const { runs, violated } = invariantTally(await d.rows(FILE));
    return violated === 0
      ? `all ${runs} runs kept the stock invariant`
      : `${violated} of ${runs} runs violated the stock invariant`;
  },
  "oltp.skipped": async (d) => {
    const skipped = oltpSkipped(await d.rows(FILE));
    return skipped.length === 0
      ? "none"
      : skipped.map((s) =>
        `${NAMES[s.engine] ?? s.engine} (${s.reason.replace(/^\S+ skipped: /, "")})`
      ).join("; ");
  },
  "oltp.repetitions": async (d) => {
    const rows = await d.rows(FILE);
    return String(
      new Set(rows.filter((r) => r.metric === "throughput").map((r) => r.repetition)).size,
    );
  },
};
