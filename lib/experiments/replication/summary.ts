/**
 * What the replication notebook and the ADR read off the rows: per-mode means over
 * repetitions, the lag CDF, the stale-read curve, the pause timeline, the client/engine
 * cross-check — all computed from data/replication*.csv (the ADR's figures in
 * lib/report/figures/replication.ts phrase them).
 *
 * @module
 */

import type { ResultRow } from "../../results/mod.ts";
import { summarizeBy } from "../../stats/mod.ts";
import { REPLICATION_MODES } from "./bindings.ts";

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
