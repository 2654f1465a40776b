/**
 * The ADR's figures from the product-search experiment's committed rows
 * (lib/experiments/search/summary.ts computes; this file phrases the numbers D9 cites).
 * Figure ids carry the binding name: `search.headroom.postgres-rum`.
 *
 * @module
 */

import { type FigureSet, formatNumber, formatPercent } from "../../results/figure.ts";
import type { ResultRow } from "../../results/mod.ts";
import type { Summary } from "../../stats/summary.ts";
import * as S from "../../experiments/search/summary.ts";

const LOAD = "search_load.csv";
const LAT = "search_latency.csv";
const HEAD = "search_headroom.csv";
const FRESH = "search_freshness.csv";
const ANS = "search_answers.csv";

type Data = Parameters<FigureSet[string]>[0];
type Rows = readonly ResultRow[];

/** The bindings D9 speaks of (those that can run here). */
export const SEARCH_FIGURE_BINDINGS = ["postgres-gin", "postgres-rum", "postgres-trgm", "sphinx"];

const ms = (v: number, decimals = 1) => formatNumber(v, { decimals, unit: "ms" });
const rps = (v: number) => formatNumber(v, { decimals: 0, unit: "requests/s" });
const spread = (s: Summary, f: (v: number) => string) =>
  s.n < 2 || Number.isNaN(s.ciHalfWidth)
    ? f(s.mean)
    : `${f(s.mean)} (range ${f(s.min)}–${f(s.max)})`;
const share = (v: number | undefined) => (v === undefined ? "n/a" : formatPercent(v));

const on = (file: string, f: (rows: Rows) => string) => async (d: Data) => f(await d.rows(file));
const on2 = (a: string, b: string, f: (x: Rows, y: Rows) => string) => async (d: Data) =>
  f(await d.rows(a), await d.rows(b));

/** A headroom as prose: "≥ 800 requests/s" when every rate passed, "none" when the first missed. */
export function headroomText(h: S.Headroom | undefined): string {
  if (!h) return "not measured (the sweep failed)";
  if (h.capped) return `≥ ${rps(h.rps)}`;
  if (h.rps === 0) return `none (over the objective at ${rps(h.firstMiss ?? 0)})`;
  return rps(h.rps);
}

function perBinding(): FigureSet {
  const out: Record<string, FigureSet[string]> = {};
  for (const b of SEARCH_FIGURE_BINDINGS) {
    out[`search.headroom.${b}`] = on(HEAD, (r) => headroomText(S.headroom(r, b)));
    out[`search.headroom_updates.${b}`] = on(
      HEAD,
      (r) => headroomText(S.headroom(r, b, "off", "on")),
    );
    out[`search.p99.${b}`] = on2(
      LAT,
      HEAD,
      (l, h) => spread(S.latencyAt(l, b, S.referenceRate(h)), (v) => ms(v)),
    );
    for (const t of ["one_word", "prefix", "typo"]) {
      out[`search.p99_${t}.${b}`] = on2(LAT, HEAD, (l, h) => {
        const v = S.byType(l, b, S.referenceRate(h)).find((x) => x.op === t)?.value;
        return v === undefined ? "n/a" : ms(v);
      });
    }
    out[`search.freshness_p99.${b}`] = on2(
      FRESH,
      HEAD,
      (f, h) => ms(S.freshness(f, b, S.referenceRate(h))),
    );
    out[`search.overlap.${b}`] = on(ANS, (r) => share(S.quality(r, b, "overlap_bm25")));
    out[`search.typo.${b}`] = on(ANS, (r) => share(S.quality(r, b, "typo_found", "typo")));
    out[`search.index.${b}`] = on(LOAD, (r) => {
      const s = S.valueOf(r, "index_s", { binding: b });
      const bytes = S.valueOf(r, "index_bytes", { binding: b });
      return `${formatNumber(s, { decimals: 1, unit: "s" })}, ${
        formatNumber(bytes / 1e6, { decimals: 0, unit: "MB" })
      }`;
    });
  }
  return out;
}

/** D9's figures. */
export const searchFigures: FigureSet = {
  "search.products": on(
    LOAD,
    (r) =>
      formatNumber(Number(r.find((x) => x.metric === "products")?.value ?? 0), { decimals: 0 }),
  ),
  "search.reference_rate": on(HEAD, (r) => rps(S.referenceRate(r))),
  "search.top_rate": on(HEAD, (r) => rps(S.valueOf(r, "top_rate", {}))),
  "search.repetitions": on(
    LAT,
    (r) => String(new Set(r.map((x) => x.repetition)).size),
  ),
  "search.cached_binding": on(HEAD, (r) => S.cachedBinding(r) ?? "none (no cache ran)"),
  "search.headroom_cached": on(HEAD, (r) => {
    const b = S.cachedBinding(r);
    return b ? headroomText(S.headroom(r, b, "on", "off")) : "n/a";
  }),
  "search.headroom_cached_updates": on(HEAD, (r) => {
    const b = S.cachedBinding(r);
    return b ? headroomText(S.headroom(r, b, "on", "on")) : "n/a";
  }),
  "search.p99_cached": on(LAT, (l) => {
    const b = l.find((x) => String(x.cache) === "on")?.binding;
    const rate = Number(
      l.find((x) => x.metric === "target_rate" && String(x.cache) === "on")?.value,
    );
    return b ? spread(S.latencyAt(l, String(b), rate, { cache: "on" }), (v) => ms(v)) : "n/a";
  }),
  "search.hit_ratio": on2(LAT, HEAD, (l, h) => {
    const r = S.hitRatio(l, h);
    return r ? `${share(r.value)} at ${rps(r.rate)}` : "n/a";
  }),
  "search.ttl": on(
    HEAD,
    (r) => formatNumber(S.valueOf(r, "ttl_s", {}), { decimals: 0, unit: "s" }),
  ),
  "search.filter_check": on(ANS, (r) => {
    const t = S.filterTotals(r);
    return `${formatNumber(t.violations + t.unsorted, { decimals: 0 })} of ${
      formatNumber(t.results, { decimals: 0 })
    }`;
  }),
  "search.overlap_gin_rum": on(ANS, (r) => share(S.pairwise(r, "postgres-gin", "postgres-rum"))),
  "search.overlap_rum_sphinx": on(ANS, (r) => share(S.pairwise(r, "postgres-rum", "sphinx"))),
  "search.overlap_gin_sphinx": on(ANS, (r) => share(S.pairwise(r, "postgres-gin", "sphinx"))),
  "search.failures": on(HEAD, (r) => {
    const f = r.filter((x) => x.metric === "engine_failed");
    return f.length
      ? f.map((x) =>
        `${x.binding}${String(x.cache) === "on" ? " + cache" : ""}${
          String(x.updates) === "on" ? " under updates" : ""
        }: ${x.failure}`
      ).join("; ")
      : "none";
  }),
  "search.skipped": on(HEAD, (r) => {
    const s = S.skipped(r);
    return s.length ? s.map((x) => `${x.binding} (${x.reason})`).join("; ") : "none";
  }),
  ...perBinding(),
};
