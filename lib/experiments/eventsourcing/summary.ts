/**
 * What the notebook and the ADR read off the experiment's rows: one value (mean over
 * repetitions, with its interval), chart points, the lag CDF, the verdict tallies. Rows may
 * come fresh from a run (numbers) or replayed from CSV (strings): comparisons use String().
 *
 * @module
 */

import type { ResultRow } from "../../results/mod.ts";
import { type ChartPoint, pointOf, points, skipped, valuesOf } from "../sharding/summary.ts";
import type { Summary } from "../../stats/summary.ts";

export { type ChartPoint, pointOf, points, skipped, valuesOf };

type Rows = readonly ResultRow[];

/** A lifecycle load metric of a mode and op (`all` for the whole mix). */
export function lifecycle(rows: Rows, metric: string, mode: string, op = "all"): Summary {
  return pointOf(rows, metric, { part: "lifecycle", mode, op });
}

/** A footprint metric of a mode. */
export function footprint(rows: Rows, metric: string, mode: string): Summary {
  return pointOf(rows, metric, { part: "footprint", mode });
}

/** A hot-stream metric of a mode at a hot-stream count (load metrics at op `take`). */
export function hot(rows: Rows, metric: string, mode: string, streams: number): Summary {
  const load = metric !== "conflicts_per_op";
  return pointOf(rows, metric, {
    part: "hot",
    mode,
    hot_streams: streams,
    ...(load ? { op: metric === "retries" ? "all" : "take" } : {}),
  });
}

/** A lag metric of a feed and projection. */
export function lag(
  rows: Rows,
  metric: string,
  feed: string,
  projection = "order_status",
): Summary {
  return pointOf(rows, metric, { part: "lag", feed, projection });
}

/** The lag CDF points of every feed for one projection (mean over repetitions per quantile). */
export function lagCdf(rows: Rows, projection = "order_status") {
  return points(rows, "lag", ["feed", "q"], { part: "lag_cdf", projection }).map((p) => ({
    feed: String(p.feed),
    q: Number(p.q),
    lag_ms: p.mean,
  }));
}

/** A feed's ceiling (events/s) for a projection, or `relay`. */
export function ceiling(rows: Rows, feed: string, projection = "order_status"): Summary {
  return pointOf(rows, "events_per_s", { part: "ceiling", feed, projection });
}

/** A read-your-own-write metric of a feed. */
export function ryow(rows: Rows, metric: string, feed: string): Summary {
  return pointOf(rows, metric, { part: "ryow", feed });
}

/** Rebuild metric of a projection at the largest (or given) size. */
export function rebuild(rows: Rows, metric: string, projection: string, events?: number) {
  const sizes = rebuildSizes(rows);
  const n = events ?? sizes[sizes.length - 1];
  const r = rows.find((x) =>
    x.part === "rebuild" && x.projection === projection && x.metric === metric &&
    Math.abs(Number(x.events) - n) / n < 0.2
  );
  if (!r) throw new Error(`no rebuild ${metric} for ${projection} at ${n} events`);
  return { value: Number(r.value), events: Number(r.events) };
}

/** Event counts rebuilt, ascending. */
export function rebuildSizes(rows: Rows): number[] {
  return [...new Set(rows.filter((r) => r.part === "rebuild").map((r) => Number(r.events)))]
    .sort((a, b) => a - b);
}

/** Aggregate load p50 at a stream length, with snapshots (`every_N`) or `none`. */
export function snapshotLoad(rows: Rows, length: number, snapshots: string, metric = "load_p50") {
  return pointOf(rows, metric, { part: "snapshot", length, snapshots });
}

/** The snapshot policy label recorded (`every_100`). */
export function snapshotPolicy(rows: Rows): string {
  return String(rows.find((r) => r.part === "snapshot" && r.snapshots !== "none")?.snapshots ?? "");
}

/** Fault check tally: read models checked and how many equalled their rebuild. */
export function faultTally(rows: Rows): { checked: number; valid: number } {
  const v = rows.filter((r) => r.part === "check" && r.metric === "valid");
  return { checked: v.length, valid: v.filter((r) => Number(r.value) === 1).length };
}

/** Sum of a fault metric over the check (or `faults`) rows. */
export function faultSum(rows: Rows, metric: string, part = "check"): number {
  return rows.filter((r) => r.part === part && r.metric === metric).reduce(
    (s, r) => s + Number(r.value),
    0,
  );
}

/** A saga verdict metric at a timeout rate (mean over repetitions). */
export function sagaVerdict(rows: Rows, metric: string, timeoutRate: number): Summary {
  return pointOf(rows, metric, { part: "verdict", timeout_rate: timeoutRate, mode: "saga" });
}

/** Saga runs checked and how many were valid. */
export function sagaTally(rows: Rows): { runs: number; valid: number } {
  const v = rows.filter((r) => r.part === "verdict" && r.metric === "valid");
  return { runs: v.length, valid: v.filter((r) => Number(r.value) === 1).length };
}

/** A load metric of the saga (at a timeout rate) or of the ACID checkout (`acid`, rate 0). */
export function checkout(
  rows: Rows,
  metric: string,
  mode: "saga" | "acid",
  timeoutRate = 0,
  op = "all",
) {
  return pointOf(rows, metric, { part: "saga", mode, timeout_rate: timeoutRate, op });
}

/** Timeout rates the saga ran at. */
export function timeoutRates(rows: Rows): number[] {
  return [...new Set(rows.filter((r) => r.part === "verdict").map((r) => Number(r.timeout_rate)))]
    .sort((a, b) => a - b);
}

/** Stream lengths of the snapshot part, ascending. */
export function snapshotLengths(rows: Rows): number[] {
  return [...new Set(rows.filter((r) => r.part === "snapshot").map((r) => Number(r.length)))]
    .sort((a, b) => a - b);
}
