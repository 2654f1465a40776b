/**
 * The ADR's figures from the oltp experiment's committed rows (lib/experiments/oltp/summary.ts
 * computes; this file names the engines and phrases the numbers the decision record cites).
 *
 * @module
 */

import { type FigureSet, formatNumber, formatPercent } from "../../results/figure.ts";
import {
  invariantTally,
  maxConcurrency,
  type OltpPoint,
  oltpSkipped,
  peak,
  pointAt,
  throughputRatio,
} from "../../experiments/oltp/summary.ts";

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
