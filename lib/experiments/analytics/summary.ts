/**
 * What the analytics notebook and the ADR read off data/analytics_aggregation.csv: hot and
 * cold latency per query and store, growth with data size, load speed and bytes per row,
 * queries/s under concurrency, the answer verdicts, and the ClickHouse/PostgreSQL ratio
 * summarised the way ClickBench does — all computed from rows, never typed in.
 */

import type { ResultRow } from "../../results/mod.ts";
import { QUERY_IDS } from "./queries.ts";
import { ANALYTICS_BINDINGS } from "./bindings.ts";

/** The CSV behind this module. */
export const ANALYTICS_FILE = "analytics_aggregation.csv";

/** Display names of the stores, from their bindings. */
export const STORE_LABELS: Record<string, string> = Object.fromEntries(
  ANALYTICS_BINDINGS.map((b) => [b.name, b.label]),
);

const label = (store: unknown) => STORE_LABELS[String(store)] ?? String(store);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Stores that ran (not skipped), in CSV order. */
export function storesRun(rows: readonly ResultRow[]): string[] {
  return [
    ...new Set(rows.filter((r) => r.metric === "rows_loaded").map((r) => String(r.store))),
  ];
}

/** Stores skipped here, with their one-line reason. */
export function skippedStores(rows: readonly ResultRow[]): { store: string; reason: string }[] {
  return rows.filter((r) => r.metric === "skipped").map((r) => ({
    store: String(r.store),
    reason: String(r.reason),
  }));
}

/** The data sizes measured, ascending. */
export function sizes(rows: readonly ResultRow[]): number[] {
  return [...new Set(rows.filter((r) => r.metric === "rows_loaded").map((r) => Number(r.rows)))]
    .sort((a, b) => a - b);
}

/** The largest size every store that ran was measured at (where they can be compared). */
export function commonSize(rows: readonly ResultRow[]): number {
  const stores = storesRun(rows);
  const common = sizes(rows).filter((n) =>
    stores.every((s) =>
      rows.some((r) => r.metric === "rows_loaded" && r.store === s && Number(r.rows) === n)
    )
  );
  if (common.length === 0) throw new Error("no data size was measured on every store");
  return common[common.length - 1];
}

/** One query on one store at one size: cold time, hot times and their minimum and median. */
export interface LatencyPoint {
  store: string;
  label: string;
  rows: number;
  query: string;
  coldMs: number;
  hotMinMs: number;
  hotMedianMs: number;
  hotMaxMs: number;
  hotRuns: number;
}

/** Latency points for every store, size and query that ran. */
export function latencyPoints(rows: readonly ResultRow[]): LatencyPoint[] {
  const groups = new Map<string, ResultRow[]>();
  for (const r of rows) {
    if (r.metric !== "latency") continue;
    const k = `${r.store}|${r.rows}|${r.query}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const hot = g.filter((r) => r.run === "hot").map((r) => r.value);
    const cold = g.find((r) => r.run === "cold");
    return {
      store: String(g[0].store),
      label: label(g[0].store),
      rows: Number(g[0].rows),
      query: String(g[0].query),
      coldMs: cold ? cold.value : NaN,
      hotMinMs: hot.length ? Math.min(...hot) : NaN,
      hotMedianMs: hot.length ? median(hot) : NaN,
      hotMaxMs: hot.length ? Math.max(...hot) : NaN,
      hotRuns: hot.length,
    };
  });
}

/** Geometric mean of a store's hot minimum over a set of queries at one size. */
export function hotGeomean(
  rows: readonly ResultRow[],
  store: string,
  size: number,
  queries: readonly string[],
): number {
  const pts = latencyPoints(rows).filter((p) =>
    p.store === store && p.rows === size && queries.includes(p.query)
  );
  if (pts.length !== queries.length) {
    throw new Error(`${store} at ${size} rows lacks some of ${queries.join(", ")}`);
  }
  return Math.exp(pts.reduce((s, p) => s + Math.log(p.hotMinMs), 0) / pts.length);
}

/** Queries every store that ran answered at `size` (the fair basis of a summary). */
export function commonQueries(rows: readonly ResultRow[], size: number): string[] {
  const stores = storesRun(rows);
  const pts = latencyPoints(rows).filter((p) => p.rows === size);
  return QUERY_IDS.filter((q) =>
    stores.every((s) => pts.some((p) => p.store === s && p.query === q))
  );
}

/**
 * Slowdown of store `a` against store `b` at one size, ClickBench's way: geometric mean over
 * the queries both answered of (t_a + 10 ms) / (t_b + 10 ms), hot = minimum of hot runs.
 */
export function clickbenchRatio(
  rows: readonly ResultRow[],
  a: string,
  b: string,
  size: number,
  run: "hot" | "cold" = "hot",
): { ratio: number; queries: number; perQuery: { query: string; ratio: number }[] } {
  const pts = latencyPoints(rows).filter((p) => p.rows === size);
  const perQuery: { query: string; ratio: number }[] = [];
  for (const q of QUERY_IDS) {
    const pa = pts.find((p) => p.store === a && p.query === q);
    const pb = pts.find((p) => p.store === b && p.query === q);
    if (!pa || !pb) continue;
    const ta = run === "hot" ? pa.hotMinMs : pa.coldMs;
    const tb = run === "hot" ? pb.hotMinMs : pb.coldMs;
    perQuery.push({ query: q, ratio: (ta + 10) / (tb + 10) });
  }
  if (perQuery.length === 0) throw new Error(`no query both ${a} and ${b} ran at ${size} rows`);
  const ratio = Math.exp(perQuery.reduce((s, p) => s + Math.log(p.ratio), 0) / perQuery.length);
  return { ratio, queries: perQuery.length, perQuery };
}

/** Load and storage of one store at one size. */
export interface LoadPoint {
  store: string;
  label: string;
  rows: number;
  readyS: number;
  ingestS: number;
  rowsPerS: number;
  bytes: number;
  bytesPerRow: number;
  rowsLoaded: number;
}

/** Load points for every store and size. */
export function loadPoints(rows: readonly ResultRow[]): LoadPoint[] {
  const out: LoadPoint[] = [];
  for (const r of rows.filter((x) => x.metric === "rows_loaded")) {
    const get = (m: string) =>
      rows.find((x) => x.metric === m && x.store === r.store && x.rows === r.rows)?.value ?? NaN;
    out.push({
      store: String(r.store),
      label: label(r.store),
      rows: Number(r.rows),
      readyS: get("load_ready_s"),
      ingestS: get("load_ingest_s"),
      rowsPerS: get("load_rows_per_s"),
      bytes: get("bytes_on_disk"),
      bytesPerRow: get("bytes_per_row"),
      rowsLoaded: r.value,
    });
  }
  return out;
}

/** Dashboard queries/s of one store at one client count. */
export interface ThroughputPoint {
  store: string;
  label: string;
  clients: number;
  qps: number;
  p95Ms: number;
  errors: number;
}

/** Concurrency points (closed loop over the dashboard mix). */
export function throughputPoints(rows: readonly ResultRow[]): ThroughputPoint[] {
  return rows.filter((r) => r.metric === "throughput" && r.op === "all").map((r) => {
    const same = (m: string) =>
      rows.find((x) =>
        x.metric === m && x.op === "all" && x.store === r.store && x.clients === r.clients
      )?.value ?? NaN;
    return {
      store: String(r.store),
      label: label(r.store),
      clients: Number(r.clients),
      qps: r.value,
      p95Ms: same("latency_p95"),
      errors: same("errors"),
    };
  });
}

/** Every answer check: matched, mismatched (with the difference) or unsupported (and why). */
export interface AnswerVerdictRow {
  store: string;
  rows: number;
  query: string;
  verdict: "match" | "MISMATCH" | "unsupported" | "error" | "reference";
  detail: string;
}

/** The answer verdicts in the CSV. */
export function answerVerdicts(rows: readonly ResultRow[]): AnswerVerdictRow[] {
  const out: AnswerVerdictRow[] = [];
  for (const r of rows) {
    const base = { store: String(r.store), rows: Number(r.rows), query: String(r.query) };
    if (r.metric === "answer_match") {
      out.push({
        ...base,
        verdict: r.value === 1 ? "match" : "MISMATCH",
        detail: r.value === 1 ? `same as ${r.reference}` : `vs ${r.reference}: ${r.detail}`,
      });
    } else if (r.metric === "answer_reference") {
      out.push({ ...base, verdict: "reference", detail: "first store to answer" });
    } else if (r.metric === "unsupported") {
      out.push({ ...base, verdict: "unsupported", detail: String(r.reason) });
    } else if (r.metric === "query_error") {
      out.push({ ...base, verdict: "error", detail: String(r.reason) });
    }
  }
  return out;
}
