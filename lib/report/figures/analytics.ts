/**
 * The ADR's figures from the analytics experiment's committed rows (lib/experiments/analytics/summary.ts
 * computes; this file names the engines and phrases the numbers the decision record cites).
 *
 * @module
 */

import type { ResultRow } from "../../results/mod.ts";
import { type FigureSet, formatNumber } from "../../results/figure.ts";
import { formatSpread } from "./spread.ts";
import {
  ANALYTICS_FILE,
  answerVerdicts,
  clickbenchRatio,
  commonSize,
  hotGeomean,
  loadPoints,
  sizes,
  skippedStores,
  STORE_LABELS,
  throughputPoints,
} from "../../experiments/analytics/summary.ts";
import { QUERY_IDS } from "../../experiments/analytics/queries.ts";

const label = (store: string) => STORE_LABELS[store] ?? store;
const ms = (v: number) => `${formatNumber(v)} ms`;
const x = (v: number) => `${formatNumber(v, { decimals: v >= 10 ? 0 : 1 })}×`;

/**
 * A store's best throughput point with the spread of the repetitions at that point (issue 19):
 * every throughput row of the store at those clients.
 */
function bestQps(rows: readonly ResultRow[], store: string): string {
  const pts = throughputPoints(rows).filter((p) => p.store === store);
  const best = pts.reduce((a, b) => (b.qps > a.qps ? b : a));
  const runs = pts.filter((p) => p.clients === best.clients).map((p) => p.qps);
  return `${formatNumber(best.qps)} queries/s at ${best.clients} clients (${formatSpread(runs)})`;
}

/** The analytics section's figures in the ADR. */
export const analyticsFigures: FigureSet = {
  "analytics.common_rows": async (d) =>
    formatNumber(commonSize(await d.rows(ANALYTICS_FILE)), { unit: "events" }),
  "analytics.max_rows": async (d) =>
    formatNumber(Math.max(...sizes(await d.rows(ANALYTICS_FILE))), { unit: "events" }),
  "analytics.ratio_pg_heap_chdb_hot": async (d) => {
    const rows = await d.rows(ANALYTICS_FILE);
    return x(clickbenchRatio(rows, "postgres-heap", "chdb", commonSize(rows)).ratio);
  },
  "analytics.ratio_pg_brin_chdb_hot": async (d) => {
    const rows = await d.rows(ANALYTICS_FILE);
    return x(clickbenchRatio(rows, "postgres-brin", "chdb", commonSize(rows)).ratio);
  },
  "analytics.ratio_pg_heap_chdb_cold": async (d) => {
    const rows = await d.rows(ANALYTICS_FILE);
    return x(clickbenchRatio(rows, "postgres-heap", "chdb", commonSize(rows), "cold").ratio);
  },
  "analytics.ratio_influx_chdb_hot": async (d) => {
    const rows = await d.rows(ANALYTICS_FILE);
    const r = clickbenchRatio(rows, "influxdb", "chdb", commonSize(rows));
    return `${x(r.ratio)} (over the ${r.queries} queries InfluxQL can express)`;
  },
  "analytics.chdb_hot_geomean": async (d) => {
    const rows = await d.rows(ANALYTICS_FILE);
    return ms(hotGeomean(rows, "chdb", commonSize(rows), QUERY_IDS));
  },
  "analytics.pg_heap_hot_geomean": async (d) => {
    const rows = await d.rows(ANALYTICS_FILE);
    return ms(hotGeomean(rows, "postgres-heap", commonSize(rows), QUERY_IDS));
  },
  "analytics.bytes_ratio_pg_chdb": async (d) => {
    const pts = loadPoints(await d.rows(ANALYTICS_FILE));
    const n = commonSize(await d.rows(ANALYTICS_FILE));
    const at = (s: string) => pts.find((p) => p.store === s && p.rows === n)!;
    return x(at("postgres-heap").bytes / at("chdb").bytes);
  },
  "analytics.chdb_bytes_per_row": async (d) => {
    const rows = await d.rows(ANALYTICS_FILE);
    const n = commonSize(rows);
    return `${
      formatNumber(loadPoints(rows).find((p) => p.store === "chdb" && p.rows === n)!.bytesPerRow)
    } B/row`;
  },
  "analytics.pg_heap_bytes_per_row": async (d) => {
    const rows = await d.rows(ANALYTICS_FILE);
    const n = commonSize(rows);
    const p = loadPoints(rows).find((p) => p.store === "postgres-heap" && p.rows === n)!;
    return `${formatNumber(p.bytesPerRow)} B/row`;
  },
  "analytics.influx_bytes_per_row": async (d) => {
    const rows = await d.rows(ANALYTICS_FILE);
    const n = commonSize(rows);
    const p = loadPoints(rows).find((p) => p.store === "influxdb" && p.rows === n)!;
    return `${formatNumber(p.bytesPerRow)} B/row`;
  },
  "analytics.answers": async (d) => {
    const v = answerVerdicts(await d.rows(ANALYTICS_FILE));
    const checked = v.filter((r) => r.verdict === "match" || r.verdict === "MISMATCH");
    const bad = checked.filter((r) => r.verdict === "MISMATCH");
    const unsup = v.filter((r) => r.verdict === "unsupported");
    return `${checked.length - bad.length} of ${checked.length} answer checks matched` +
      (bad.length
        ? ` (mismatches: ${[...new Set(bad.map((b) => `${b.store} ${b.query}`))].join(", ")})`
        : "") +
      `; ${unsup.length} unsupported`;
  },
  "analytics.skipped": async (d) => {
    const s = skippedStores(await d.rows(ANALYTICS_FILE));
    return s.length === 0
      ? "none"
      : s.map((x) => `${label(x.store)} (${x.reason.replace(/^\S+ skipped: /, "")})`).join("; ");
  },
  "analytics.qps_chdb_max": async (d) => bestQps(await d.rows(ANALYTICS_FILE), "chdb"),
  "analytics.qps_pg_heap_max": async (d) => bestQps(await d.rows(ANALYTICS_FILE), "postgres-heap"),
};
