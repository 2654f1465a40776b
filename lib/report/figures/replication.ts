/**
 * The ADR's figures from the replication experiment's committed rows (lib/experiments/replication/summary.ts
 * computes; this file names the engines and phrases the numbers the decision record cites).
 *
 * @module
 */

import { type FigureSet, formatNumber, formatPercent } from "../../results/figure.ts";
import type { ResultRow } from "../../results/mod.ts";
import { ratioOfMeans } from "../../stats/mod.ts";
import {
  agreementShare,
  modeValue,
  modeValues,
  rates,
} from "../../experiments/replication/summary.ts";

const FILE = "replication.csv";
const ms = (v: number, decimals = 1) => `${formatNumber(v, { decimals })} ms`;
const minRate = (rows: readonly ResultRow[]) => rates(rows)[0];
const commitP = (rows: readonly ResultRow[], mode: string, q: "p50" | "p99") =>
  modeValue(rows, `latency_${q}`, mode, { phase: "lag", op: "all", rate: minRate(rows) });
const capacity = (rows: readonly ResultRow[], mode: string) =>
  modeValue(rows, "throughput", mode, { phase: "capacity", op: "all" });
const ryw = (rows: readonly ResultRow[], mode: string, delay: number) =>
  modeValue(rows, "ryw_violation_rate", mode, { phase: "probe", delay_ms: delay });
const lagP99 = (rows: readonly ResultRow[], mode: string) =>
  modeValue(rows, "client_lag_p99", mode, { phase: "lag", rate: minRate(rows), node: "replica1" });

/** The ADR's consistency figures (ids `replication.*`). */
export const replicationFigures: FigureSet = {
  "replication.rate": async (d) => `${minRate(await d.rows(FILE))} writes/s`,
  "replication.pg_async_commit_p50": async (d) =>
    ms(commitP(await d.rows(FILE), "pg_async", "p50"), 2),
  "replication.pg_on_commit_p50": async (d) => ms(commitP(await d.rows(FILE), "pg_on", "p50"), 2),
  "replication.pg_remote_apply_commit_p50": async (d) =>
    ms(commitP(await d.rows(FILE), "pg_remote_apply", "p50"), 2),
  "replication.pg_on_commit_p99": async (d) => ms(commitP(await d.rows(FILE), "pg_on", "p99")),
  "replication.pg_on_commit_cost": async (d) => {
    // What synchronous `on` does to the commit p50, judged by the interval, not the means.
    const rows = await d.rows(FILE);
    const where = { phase: "lag", op: "all", rate: minRate(rows) };
    const r = ratioOfMeans(
      modeValues(rows, "latency_p50", "pg_on", where),
      modeValues(rows, "latency_p50", "pg_async", where),
    );
    const ci = `${r.ratio.toFixed(2)}× asynchronous, 95 % CI ${r.low.toFixed(2)}–${
      r.high.toFixed(2)
    }`;
    if (r.low > 1) return `raises the commit p50 (${ci})`;
    if (r.high < 1) return `measured a lower commit p50 (${ci}) — disk noise, not a gain`;
    return `did not change the commit p50 measurably in this run (${ci}): the virtual disk's fsync jitter is larger than the standby's round trip`;
  },
  "replication.pg_on_capacity_ratio": async (d) => {
    const rows = await d.rows(FILE);
    return formatPercent(capacity(rows, "pg_on") / capacity(rows, "pg_async"), 0);
  },
  "replication.pg_async_lag_p99": async (d) => ms(lagP99(await d.rows(FILE), "pg_async")),
  "replication.pg_async_ryw_0": async (d) => formatPercent(ryw(await d.rows(FILE), "pg_async", 0)),
  "replication.pg_async_ryw_20": async (d) =>
    formatPercent(ryw(await d.rows(FILE), "pg_async", 20)),
  "replication.pg_remote_apply_ryw_0": async (d) =>
    formatPercent(ryw(await d.rows(FILE), "pg_remote_apply", 0)),
  "replication.pg_on_ryw_0": async (d) => formatPercent(ryw(await d.rows(FILE), "pg_on", 0)),
  "replication.pg_remote_apply_monotonic_0": async (d) =>
    formatPercent(
      modeValue(await d.rows(FILE), "monotonic_violation_rate", "pg_remote_apply", {
        phase: "probe",
        delay_ms: 0,
      }),
    ),
  "replication.pg_on_pause_stall": async (d) =>
    ms(modeValue(await d.rows(FILE), "max_commit_latency", "pg_on", { phase: "pause" }), 0),
  "replication.pg_async_pause_acked": async (d) =>
    String(modeValue(await d.rows(FILE), "acked_during_pause", "pg_async", { phase: "pause" })),
  "replication.pg_async_catch_up": async (d) =>
    ms(
      modeValue(await d.rows(FILE), "catch_up", "pg_async", { phase: "pause", node: "replica1" }),
      0,
    ),
  "replication.pause": async (d) =>
    `${
      formatNumber(modeValue(await d.rows(FILE), "pause", "pg_async", { phase: "pause" }) / 1000, {
        decimals: 1,
      })
    } s`,
  "replication.redis_async_ryw_0": async (d) =>
    formatPercent(ryw(await d.rows(FILE), "redis_async", 0)),
  "replication.redis_wait_commit_p50": async (d) =>
    ms(commitP(await d.rows(FILE), "redis_wait", "p50"), 2),
  "replication.redis_async_commit_p50": async (d) =>
    ms(commitP(await d.rows(FILE), "redis_async", "p50"), 2),
  "replication.redis_async_lag_p99": async (d) => ms(lagP99(await d.rows(FILE), "redis_async")),
  "replication.mariadb_async_ryw_0": async (d) =>
    formatPercent(ryw(await d.rows(FILE), "mariadb_async", 0)),
  "replication.mariadb_semisync_commit_p50": async (d) =>
    ms(commitP(await d.rows(FILE), "mariadb_semisync", "p50"), 2),
  "replication.crosscheck": async (d) => {
    const { agreed, total } = agreementShare(await d.rows(FILE));
    return `${agreed} of ${total}`;
  },
};
