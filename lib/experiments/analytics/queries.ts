/**
 * The analytics experiment's fixed query set, ClickBench style: six dashboard queries over
 * the seeded event stream, defined once here by meaning and answer shape; each store writes
 * them in its own dialect (ClickHouse SQL, PostgreSQL SQL, InfluxQL) and returns answers in
 * the canonical shape below, so lib/checks/answers.ts can compare engines cell by cell.
 *
 * Conventions every dialect follows: times are UTC; a day is `YYYY-MM-DD`; a week is the
 * date of its Monday (ISO weeks); an hour is `YYYY-MM-DDTHH:00:00Z`; money is integer cents;
 * "order value" is `price_cents * quantity` of an order event; p95 is the nearest-rank
 * percentile (the ⌈0.95·n⌉-th smallest value, PostgreSQL's `percentile_disc`).
 *
 * @module
 */

import type { Scale } from "../../workload/scales.ts";

/** Query ids, in the order they run and appear in charts. */
export const QUERY_IDS = [
  "revenue_by_day_category",
  "top_products",
  "weekly_distinct_customers",
  "funnel_view_to_order",
  "p95_basket_by_device",
  "recent_hourly_series",
] as const;

/** One of the six dashboard queries. */
export type QueryId = typeof QUERY_IDS[number];

/** What a query means and how its answer looks. */
export interface QuerySpec {
  id: QueryId;
  /** One line for people. */
  title: string;
  /** Canonical answer columns, keys first. */
  columns: readonly string[];
  /** Row order is part of the answer (top-N). */
  ordered: boolean;
}

/** The six queries. */
export const QUERIES: Readonly<Record<QueryId, QuerySpec>> = Object.freeze({
  revenue_by_day_category: {
    id: "revenue_by_day_category",
    title: "Orders and revenue per day and category (all data)",
    columns: ["day", "category_id", "orders", "revenue_cents"],
    ordered: false,
  },
  top_products: {
    id: "top_products",
    title: "Top-10 products by revenue (ties by product id)",
    columns: ["product_id", "units", "revenue_cents"],
    ordered: true,
  },
  weekly_distinct_customers: {
    id: "weekly_distinct_customers",
    title: "Exact distinct customers per ISO week (all events)",
    columns: ["week", "customers"],
    ordered: false,
  },
  funnel_view_to_order: {
    id: "funnel_view_to_order",
    title:
      "Funnel: customers who viewed a product, and who later ordered a product they had viewed",
    columns: ["viewers", "converters"],
    ordered: false,
  },
  p95_basket_by_device: {
    id: "p95_basket_by_device",
    title: "Orders and p95 order value per device (nearest rank)",
    columns: ["device", "orders", "p95_order_value_cents"],
    ordered: false,
  },
  recent_hourly_series: {
    id: "recent_hourly_series",
    title: "Events per hour and type over the last 3 days of the window",
    columns: ["hour", "type", "events"],
    ordered: false,
  },
});

/** Parameters the query texts need, derived from the scale (never from the wall clock). */
export interface QueryParams {
  /** Top-N size. */
  topN: number;
  /** Start of the "last N days" window (ms, UTC), inclusive. */
  recentFromMs: number;
  /** End of that window (ms), exclusive: the nominal end of the data's time window. */
  recentToMs: number;
  /**
   * A time range holding every event, for dialects that need one (InfluxQL's GROUP BY
   * time() walks the WHERE range). The loaders check that every event falls inside it.
   */
  allFromMs: number;
  /** Exclusive end of {@link allFromMs}'s range. */
  allToMs: number;
}

const DAY_MS = 86_400_000;

/** How many trailing days the time-bucketed series covers. */
export const RECENT_DAYS = 3;

/** The parameters of a scale: fixed by its start and span, so every engine asks the same. */
export function queryParams(scale: Scale): QueryParams {
  const end = scale.startMs + scale.spanMs;
  return {
    topN: 10,
    recentFromMs: end - RECENT_DAYS * DAY_MS,
    recentToMs: end,
    // Poisson arrivals overshoot the nominal end by a few gaps at most; a whole extra span of
    // slack (and a week before, for whole weeks) is far more than enough.
    allFromMs: scale.startMs - 7 * DAY_MS,
    allToMs: end + scale.spanMs,
  };
}

/** Formats epoch ms as a day (`YYYY-MM-DD`, UTC). */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Formats epoch ms as an hour (`YYYY-MM-DDTHH:00:00Z`, UTC). */
export function isoHour(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13) + ":00:00Z";
}

/**
 * Converts a driver value to a number: PostgreSQL returns bigint/numeric and ClickHouse
 * 64-bit integers as strings so no precision is lost in transit; our values are integer
 * cents and counts far below 2^53, so a JS number is exact.
 */
export function num(v: unknown): number {
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got ${JSON.stringify(v)}`);
  return n;
}
