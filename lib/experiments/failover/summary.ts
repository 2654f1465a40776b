/**
 * From a scenario's history to its verdict rows: the checkers of lib/checks/failover.ts turned
 * into metrics, the same function for the run and for the re-check of saved histories.
 *
 * @module
 */

import {
  divergence,
  type FailoverOp,
  lostUpdates,
  lostWrites,
  twoPrimaries,
  unavailability,
} from "../../checks/failover.ts";
import type { HistoryRow, ResultRow } from "../../results/mod.ts";
import { parseEngineConfig } from "../../results/engine_config.ts";

/** One verdict metric. */
export interface Verdict {
  metric: string;
  value: number;
  unit: string;
}

/** Metrics the re-check recomputes from the history and compares. */
export const VERDICT_METRICS = [
  "acked_writes",
  "lost_acked_writes",
  "unknown_writes",
  "unknown_persisted",
  "failed_writes",
  "phantom_writes",
  "two_primaries",
  "primary_overlap_ms",
  "takeover",
  "unavailable_ms",
  "isolated_acks",
  "isolated_ack_ms",
  "isolated_refused_ms",
  "diverged_ids",
  "committed_increments",
  "rolled_back_increments",
  "duplicate_reads",
  "same_node_duplicate_reads",
  "missing_from_final",
  "lost_updates",
] as const;

/** The verdict metrics of one scenario's history (writes, increments, or both). */
export function verdicts(ops: readonly FailoverOp[]): Verdict[] {
  const out: Verdict[] = [];
  if (ops.some((o) => o.f === "write")) out.push(...writeVerdicts(ops));
  if (ops.some((o) => o.f === "incr")) {
    const lu = lostUpdates(ops);
    out.push(
      { metric: "committed_increments", value: lu.committed, unit: "count" },
      {
        metric: "rolled_back_increments",
        value: ops.filter((o) => o.f === "incr" && o.outcome === "fail").length,
        unit: "count",
      },
      { metric: "duplicate_reads", value: lu.duplicateReads, unit: "count" },
      { metric: "same_node_duplicate_reads", value: lu.sameNodeDuplicates, unit: "count" },
      { metric: "missing_from_final", value: lu.missingFromFinal, unit: "count" },
      { metric: "lost_updates", value: lu.duplicateReads + lu.missingFromFinal, unit: "count" },
    );
  }
  return out;
}

function writeVerdicts(ops: readonly FailoverOp[]): Verdict[] {
  const lw = lostWrites(ops);
  const tp = twoPrimaries(ops);
  const windows = unavailability(ops);
  const w = windows[0];
  const out: Verdict[] = [
    { metric: "acked_writes", value: lw.acked, unit: "count" },
    { metric: "lost_acked_writes", value: lw.lost, unit: "count" },
    { metric: "unknown_writes", value: lw.unknown, unit: "count" },
    { metric: "unknown_persisted", value: lw.unknownPersisted, unit: "count" },
    {
      metric: "failed_writes",
      value: ops.filter((o) => o.f === "write" && o.outcome === "fail").length,
      unit: "count",
    },
    { metric: "phantom_writes", value: lw.phantom, unit: "count" },
    { metric: "two_primaries", value: tp.found ? 1 : 0, unit: "flag" },
    { metric: "primary_overlap_ms", value: round(tp.overlapMs), unit: "ms" },
    { metric: "takeover", value: w?.unavailableMs !== undefined ? 1 : 0, unit: "flag" },
  ];
  if (w?.unavailableMs !== undefined) {
    out.push({ metric: "unavailable_ms", value: round(w.unavailableMs), unit: "ms" });
  }
  if (w) {
    out.push({ metric: "isolated_acks", value: w.isolatedAcks, unit: "count" });
    out.push({ metric: "isolated_ack_ms", value: round(w.isolatedAckMs), unit: "ms" });
    if (w.isolatedRefusedMs !== undefined) {
      out.push({ metric: "isolated_refused_ms", value: round(w.isolatedRefusedMs), unit: "ms" });
    }
  }
  const d = divergence(ops);
  if (d !== undefined) out.push({ metric: "diverged_ids", value: d, unit: "count" });
  return out;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** A history op as a CSV row of the scenario `run`. */
export function toHistoryRow(run: string, o: FailoverOp): HistoryRow {
  return {
    run,
    session: o.session,
    node: o.node,
    f: o.f,
    key: o.key,
    value: o.value,
    invoke_ms: round(o.invokeMs),
    complete_ms: round(o.completeMs),
    outcome: o.outcome,
  };
}

/** Saved history rows (strings from the CSV) back into ops, grouped by scenario. */
export function fromHistoryRows(rows: readonly HistoryRow[]): Map<string, FailoverOp[]> {
  const out = new Map<string, FailoverOp[]>();
  for (const r of rows) {
    const f = String(r.f) as FailoverOp["f"];
    const op: FailoverOp = {
      session: String(r.session),
      node: String(r.node),
      f,
      key: Number(r.key),
      value: f === "write" || f === "incr" ? Number(r.value) : String(r.value ?? ""),
      invokeMs: Number(r.invoke_ms),
      completeMs: Number(r.complete_ms),
      outcome: String(r.outcome) as FailoverOp["outcome"],
    };
    const run = String(r.run);
    const list = out.get(run);
    if (list) list.push(op);
    else out.set(run, [op]);
  }
  return out;
}

/** Values of one metric over the scenarios of a store, mode and fault (rows of the table). */
export function metricValues(
  rows: readonly ResultRow[],
  store: string,
  mode: string,
  fault: string,
  metric: string,
): number[] {
  return rows.filter((r) =>
    r.store === store && r.mode === mode && r.fault === fault && r.metric === metric
  ).map((r) => Number(r.value));
}

/** Mean, min, max, sum and count of {@link metricValues}; throws when there are none. */
export function aggregate(
  rows: readonly ResultRow[],
  store: string,
  mode: string,
  fault: string,
  metric: string,
): { mean: number; min: number; max: number; sum: number; n: number } {
  const v = metricValues(rows, store, mode, fault, metric);
  if (v.length === 0) throw new Error(`failover: no ${metric} for ${store}/${mode}/${fault}`);
  const sum = v.reduce((a, b) => a + b, 0);
  return { mean: sum / v.length, min: Math.min(...v), max: Math.max(...v), sum, n: v.length };
}

/** The engine settings of a store's rows in a mode (engine_config parsed). */
export function settingsOf(
  rows: readonly ResultRow[],
  store: string,
  mode: string,
): Record<string, string> {
  const r = rows.find((x) => x.store === store && x.mode === mode && x.metric !== "skipped");
  if (!r) throw new Error(`failover: no rows for ${store}/${mode}`);
  return parseEngineConfig(r.engine_config);
}

/**
 * The mean write unavailability of a store, mode and fault, or undefined when in some round no
 * other node took writes within the wait.
 */
export function meanUnavailableMs(
  rows: readonly ResultRow[],
  store: string,
  mode: string,
  fault: string,
): number | undefined {
  const t = aggregate(rows, store, mode, fault, "takeover");
  return t.sum < t.n ? undefined : aggregate(rows, store, mode, fault, "unavailable_ms").mean;
}

/** One bar per store, mode and fault: the mean of a metric over its scenarios. */
export function scenarioPoints(
  rows: readonly ResultRow[],
  metric: string,
  scale = 1,
): { setup: string; fault: string; value: number; n: number }[] {
  const keys = new Map<string, { store: string; mode: string; fault: string }>();
  for (const r of rows) {
    if (r.metric !== metric) continue;
    const k = `${r.store}|${r.mode}|${r.fault}`;
    keys.set(k, { store: String(r.store), mode: String(r.mode), fault: String(r.fault) });
  }
  return [...keys.values()].map((k) => {
    const a = aggregate(rows, k.store, k.mode, k.fault, metric);
    return { setup: `${k.store} ${k.mode}`, fault: k.fault, value: a.mean * scale, n: a.n };
  });
}

/** Stores that could not run here, with the reason. */
export function skipped(
  rows: readonly ResultRow[],
): { store: string; mode: string; reason: string }[] {
  return rows.filter((r) => r.metric === "skipped").map((r) => ({
    store: String(r.store),
    mode: String(r.mode),
    reason: String(r.reason),
  }));
}

/** Rows of the distance table for a store and mode (`sync_on`, `async` ...) at a round trip. */
function distanceRows(
  rows: readonly ResultRow[],
  store: string,
  mode: string,
  rttMs: number,
): ResultRow[] {
  return rows.filter((r) => r.store === store && r.mode === mode && Number(r.rtt_ms) === rttMs);
}

/** One metric of the distance table, one value per repetition; throws when absent. */
export function distanceValues(
  rows: readonly ResultRow[],
  store: string,
  mode: string,
  rttMs: number,
  metric: string,
): number[] {
  const v = distanceRows(rows, store, mode, rttMs).filter((r) => r.metric === metric)
    .map((r) => Number(r.value));
  if (v.length === 0) throw new Error(`failover: no ${metric} for ${store}/${mode} at ${rttMs} ms`);
  return v;
}

/** One metric of the distance table (mean over repetitions); throws when absent. */
export function distanceValue(
  rows: readonly ResultRow[],
  store: string,
  mode: string,
  rttMs: number,
  metric: string,
): number {
  const v = distanceValues(rows, store, mode, rttMs, metric);
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** The round trips the distance table holds, ascending. */
export function distanceRtts(rows: readonly ResultRow[]): number[] {
  const rtts = rows.filter((r) => r.metric !== "skipped").map((r) => Number(r.rtt_ms));
  return [...new Set(rtts)].sort((a, b) => a - b);
}

/** A metric against the round trip, one point per store, mode and round trip (line charts). */
export function distancePoints(
  rows: readonly ResultRow[],
  metric: string,
): { rtt_ms: number; setup: string; value: number }[] {
  const keys = new Map<string, { store: string; mode: string; rtt: number }>();
  for (const r of rows) {
    if (r.metric !== metric) continue;
    const k = `${r.store}|${r.mode}|${r.rtt_ms}`;
    keys.set(k, { store: String(r.store), mode: String(r.mode), rtt: Number(r.rtt_ms) });
  }
  return [...keys.values()].map((k) => ({
    rtt_ms: k.rtt,
    setup: `${k.store} ${k.mode}`,
    value: distanceValue(rows, k.store, k.mode, k.rtt, metric),
  }));
}
