/**
 * What the replication notebook and the ADR read off the rows: per-mode means over
 * repetitions, the lag CDF, the stale-read curve, the pause timeline, the client/engine
 * cross-check, and the ADR's figures — all computed from data/replication*.csv.
 */

import type { ResultRow } from "../../results/mod.ts";
import { ratioOfMeans, summarizeBy } from "../../stats/mod.ts";
import { type FigureSet, formatNumber, formatPercent } from "../../report/adr.ts";
import { REPLICATION_MODES } from "./store.ts";

/** A mode's mean of one metric over repetitions, with its interval. */
export interface ModePoint {
  mode: string;
  engine: string;
  /** Extra dimensions the point was grouped by (rate, node, delay_ms, ...). */
  [dim: string]: string | number | number[];
  mean: number;
  ciLow: number;
  ciHigh: number;
  n: number;
}

/** Display order of modes. */
export const MODE_ORDER: readonly string[] = REPLICATION_MODES.map((m) => m.id);

/**
 * Means over repetitions of `metric` per mode and the given dimensions, for rows matching
 * `where` (dimension → value, compared as text).
 */
export function modeMeans(
  rows: readonly ResultRow[],
  metric: string,
  by: readonly string[] = [],
  where: Record<string, string | number> = {},
): ModePoint[] {
  const sel = rows.filter((r) =>
    r.metric === metric && Object.entries(where).every(([k, v]) => String(r[k] ?? "") === String(v))
  );
  return summarizeBy(sel, ["mode", "engine", ...by], metric).map((g) => {
    const p: ModePoint = {
      mode: g.key.mode,
      engine: g.key.engine,
      mean: g.mean,
      ciLow: Number.isNaN(g.ciLow) ? g.mean : g.ciLow,
      ciHigh: Number.isNaN(g.ciHigh) ? g.mean : g.ciHigh,
      n: g.n,
    };
    for (const d of by) {
      const v = g.key[d];
      p[d] = v !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
    }
    return p;
  }).sort((a, b) => MODE_ORDER.indexOf(a.mode) - MODE_ORDER.indexOf(b.mode));
}

/** One mean of `metric` for a mode (and dimensions); throws if the data lacks it. */
export function modeValue(
  rows: readonly ResultRow[],
  metric: string,
  mode: string,
  where: Record<string, string | number> = {},
): number {
  const p = modeMeans(rows, metric, [], { mode, ...where });
  if (p.length !== 1) {
    throw new Error(`replication: no ${metric} for ${mode} ${JSON.stringify(where)}`);
  }
  return p[0].mean;
}

/** The per-repetition values behind {@link modeValue}. */
export function modeValues(
  rows: readonly ResultRow[],
  metric: string,
  mode: string,
  where: Record<string, string | number> = {},
): number[] {
  const sel = rows.filter((r) =>
    r.metric === metric && String(r.mode) === mode &&
    Object.entries(where).every(([k, v]) => String(r[k] ?? "") === String(v))
  );
  const groups = summarizeBy(sel, ["mode"], metric);
  if (groups.length !== 1) throw new Error(`replication: no ${metric} for ${mode}`);
  return groups[0].values;
}

/** Lag CDF points (quantile against lag, mean over repetitions) per mode, rate and node. */
export function lagCdf(cdfRows: readonly ResultRow[]): ModePoint[] {
  return modeMeans(cdfRows, "client_lag", ["rate", "node", "quantile"]);
}

/** Modes that were skipped, with their one-line reason. */
export function skippedModes(rows: readonly ResultRow[]): { mode: string; reason: string }[] {
  return rows.filter((r) => r.metric === "skipped").map((r) => ({
    mode: String(r.mode),
    reason: String(r.reason),
  }));
}

/** Lowest and highest rate of the lag runs. */
export function rates(rows: readonly ResultRow[]): number[] {
  return [...new Set(rows.filter((r) => r.phase === "lag").map((r) => Number(r.rate)))].sort((
    a,
    b,
  ) => a - b);
}

/** The cross-check rows per mode, rate and node, with the verdict (1 = agrees). */
export function crossCheck(rows: readonly ResultRow[]) {
  const get = (metric: string) => modeMeans(rows, metric, ["rate", "node"]);
  const engine = get("crosscheck_engine_lag");
  const low = get("crosscheck_low");
  const high = get("crosscheck_high");
  const tol = get("crosscheck_tolerance");
  const agrees = get("crosscheck_agrees");
  const client = get("client_lag_mean");
  const key = (p: ModePoint) => `${p.mode}|${p.rate}|${p.node}`;
  const find = (ps: ModePoint[], p: ModePoint) => ps.find((x) => key(x) === key(p))?.mean ?? NaN;
  return engine.map((p) => ({
    mode: p.mode,
    rate: p.rate as number,
    node: p.node as string,
    clientLagMs: find(client, p),
    engineLagMs: p.mean,
    lowMs: find(low, p),
    highMs: find(high, p),
    toleranceMs: find(tol, p),
    /** Share of repetitions in which the engine's view agreed with the client's. */
    agreement: find(agrees, p),
  }));
}

/** Share of (mode, rate, node, repetition) comparisons where client and engine agreed. */
export function agreementShare(rows: readonly ResultRow[]): { agreed: number; total: number } {
  const flags = rows.filter((r) => r.metric === "crosscheck_agrees");
  return { agreed: flags.filter((r) => r.value === 1).length, total: flags.length };
}

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
