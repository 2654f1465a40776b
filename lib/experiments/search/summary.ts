/**
 * What the notebook and the ADR read off the product-search rows: headroom under the SLO per
 * binding (plain, under updates, behind the cache), p99 at the reference rate with its spread
 * over repetitions, the cache's hit ratio, freshness, answer quality and overlaps. Rows may
 * come fresh from a run (numbers) or replayed from CSV (strings): comparisons use String().
 *
 * @module
 */

import type { ResultRow } from "../../results/mod.ts";
import { summarize, type Summary } from "../../stats/summary.ts";

type Where = Record<string, string | number>;
type Rows = readonly ResultRow[];

const matches = (r: ResultRow, where: Where) =>
  Object.entries(where).every(([k, v]) => String(r[k] ?? "") === String(v));

/** Values of `metric` in rows matching `where` (one per repetition). */
export function valuesOf(rows: Rows, metric: string, where: Where): number[] {
  const found = rows.filter((r) => r.metric === metric && matches(r, where));
  if (found.length === 0) {
    throw new Error(
      `no ${metric} at ${Object.entries(where).map(([k, v]) => `${k}=${v}`).join(", ")}`,
    );
  }
  return found.map((r) => Number(r.value));
}

/** The one value of `metric` where `where` holds (the first repetition's). */
export function valueOf(rows: Rows, metric: string, where: Where): number {
  return valuesOf(rows, metric, where)[0];
}

/** The value, or undefined when there is no such row. */
export function maybe(rows: Rows, metric: string, where: Where): number | undefined {
  const r = rows.find((x) => x.metric === metric && matches(x, where));
  return r ? Number(r.value) : undefined;
}

/** Bindings that ran (have a headroom row), in row order. */
export function bindings(headroom: Rows): string[] {
  return [
    ...new Set(
      headroom.filter((r) => r.metric === "headroom_rps" && String(r.cache) === "off")
        .map((r) => String(r.binding)),
    ),
  ];
}

/** Bindings (or the cache) that were skipped, with the one-line reason. */
export function skipped(rows: Rows): { binding: string; reason: string }[] {
  const seen = new Map<string, string>();
  for (const r of rows) {
    if (r.metric === "skipped") seen.set(String(r.binding), String(r.reason ?? ""));
  }
  return [...seen].map(([binding, reason]) => ({ binding, reason }));
}

/** Headroom facts of a sweep. */
export interface Headroom {
  rps: number;
  /** Every tested rate passed: the headroom is at least `rps`. */
  capped: boolean;
  firstMiss?: number;
}

/** The headroom of a binding's sweep (undefined when the sweep did not finish). */
export function headroom(
  rows: Rows,
  binding: string,
  cache = "off",
  updates = "off",
): Headroom | undefined {
  const where = { binding, cache, updates };
  if (maybe(rows, "headroom_rps", where) === undefined) return undefined;
  return {
    rps: valueOf(rows, "headroom_rps", where),
    capped: valueOf(rows, "capped", where) === 1,
    firstMiss: maybe(rows, "first_miss_rps", where),
  };
}

/** The rate every binding is compared at. */
export function referenceRate(headroomRows: Rows): number {
  return valueOf(headroomRows, "reference_rate", {});
}

/** Why a binding's sweep failed (the engine's own words when it crashed), if it did. */
export function failure(rows: Rows, binding: string, cache = "off", updates = "off") {
  const r = rows.find((x) =>
    x.metric === "engine_failed" && matches(x, { binding, cache, updates })
  );
  return r ? String(r.failure ?? "failed") : undefined;
}

/** The binding the cache was put in front of. */
export function cachedBinding(headroomRows: Rows): string | undefined {
  const r = headroomRows.find((x) => x.metric === "cached_binding");
  return r ? String(r.binding) : undefined;
}

/** A latency metric at a rate (mean and interval over repetitions). */
export function latencyAt(
  rows: Rows,
  binding: string,
  rate: number,
  { cache = "off", updates = "off", op = "all", metric = "latency_p99" } = {},
): Summary {
  return summarize(valuesOf(rows, metric, { binding, cache, updates, rate, op }));
}

/** One point per binding × cache × updates × rate (first repetition) for the latency chart. */
export function curve(
  rows: Rows,
  metric = "latency_p99",
  op = "all",
): { binding: string; mode: string; rate: number; value: number }[] {
  return rows.filter((r) =>
    r.metric === metric && String(r.op) === op && Number(r.repetition) === 0
  )
    .map((r) => ({
      binding: String(r.binding),
      mode: `${String(r.cache) === "on" ? "cache" : "no cache"}${
        String(r.updates) === "on" ? ", updates" : ""
      }`,
      rate: Number(r.rate),
      value: Number(r.value),
    }));
}

/** p99 per query type at a rate (first repetition) for a binding. */
export function byType(rows: Rows, binding: string, rate: number, cache = "off") {
  return rows.filter((r) =>
    r.metric === "latency_p99" && String(r.binding) === binding && Number(r.rate) === rate &&
    String(r.cache) === cache && String(r.updates) === "off" && Number(r.repetition) === 0 &&
    String(r.op) !== "all"
  ).map((r) => ({ binding, op: String(r.op), value: Number(r.value) }));
}

/** Freshness CDF points of a binding at a rate (cache off). */
export function freshnessCdf(rows: Rows, rate: number) {
  return rows.filter((r) =>
    r.metric === "freshness_cdf" && Number(r.rate) === rate && String(r.cache) === "off"
  ).map((r) => ({ binding: String(r.binding), q: Number(r.q), ms: Number(r.value) }));
}

/** A freshness metric of a binding at a rate (cache off). */
export function freshness(rows: Rows, binding: string, rate: number, metric = "freshness_p99") {
  return valueOf(rows, metric, { binding, rate, cache: "off", updates: "on" });
}

/** An answer-quality metric of a binding for a query type ("all" for every type). */
export function quality(rows: Rows, binding: string, metric: string, type = "all") {
  return maybe(rows, metric, { binding, part: "quality", query_type: type });
}

/** Top-10 overlap of two bindings (in either order). */
export function pairwise(rows: Rows, a: string, b: string): number | undefined {
  return maybe(rows, "overlap", { binding: a, other: b, part: "pairwise" }) ??
    maybe(rows, "overlap", { binding: b, other: a, part: "pairwise" });
}

/** Filter checker totals over every binding. */
export function filterTotals(
  rows: Rows,
): { results: number; violations: number; unsorted: number } {
  const sum = (m: string) =>
    rows.filter((r) => r.metric === m && String(r.part) === "filters")
      .reduce((a, r) => a + Number(r.value), 0);
  return {
    results: sum("results"),
    violations: sum("filter_violations"),
    unsorted: sum("price_order_violations"),
  };
}

/**
 * The cache's hit ratio in its sweep without updates, at the highest rate that met the SLO
 * (the reference rate when none did): the cache stays warm from rate to rate, as in service.
 */
export function hitRatio(
  latency: Rows,
  headroomRows: Rows,
): { rate: number; value: number } | undefined {
  const b = cachedBinding(headroomRows);
  if (!b) return undefined;
  const h = headroom(headroomRows, b, "on", "off");
  const rate = h && h.rps > 0 ? h.rps : referenceRate(headroomRows);
  const value = maybe(latency, "cache_hit_ratio", {
    binding: b,
    cache: "on",
    updates: "off",
    rate,
    repetition: 0,
  });
  return value === undefined ? undefined : { rate, value };
}
