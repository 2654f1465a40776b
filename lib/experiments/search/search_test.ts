// The product-search experiment end to end on real engines at a tiny size: PostgreSQL (GIN,
// RUM, trigram) and Sphinx load the same catalog, every returned product passes the filter
// checker, answers overlap the BM25 reference, the trigram index finds misspelled products,
// every change becomes searchable, and the cache answers hot queries.

import assert from "node:assert/strict";
import { experimentParams } from "../params.ts";
import { recordingProgress } from "../testing.ts";
import { searchConfig } from "./config.ts";
import { runSearch } from "./mod.ts";
import type { ResultRow } from "../../results/mod.ts";

const quick = experimentParams({ scale: "quick", repetitions: 1 });

Deno.test("search: bad configuration is one clear line", () => {
  assert.throws(() => searchConfig(quick, { engines: ["nope"] }), /search: no binding "nope"/);
  assert.throws(
    () => searchConfig(quick, { load: { rates: [50, 20] } }),
    /^Error: search: load.rates must rise/,
  );
  assert.throws(
    () => searchConfig(quick, { load: { referenceRate: 33 } }),
    /search: load.referenceRate 33 must be one of load.rates/,
  );
});

const pick = (rows: ResultRow[], metric: string, dims: Record<string, unknown>) =>
  rows.filter((r) =>
    r.metric === metric &&
    Object.entries(dims).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v)
  );

Deno.test("search: a tiny run on PostgreSQL and Sphinx measures and checks every part", async () => {
  const config = searchConfig(quick, {
    engines: ["postgres-gin", "postgres-rum", "postgres-trgm", "sphinx"],
    catalog: { products: 1500 },
    queries: { queries: 200 },
    load: { rates: [20, 60], referenceRate: 20, durationS: 0.4, warmupS: 0.1 },
    updates: { perS: 10 },
    answers: { sample: 80 },
  });
  const { progress, seen } = recordingProgress();
  const tables = await runSearch(config, progress);
  const answers = tables.search_answers;
  for (const b of ["postgres-gin", "postgres-rum", "postgres-trgm", "sphinx"]) {
    const [v] = pick(answers, "filter_violations", { binding: b });
    assert.ok(v, `${b}: no filter verdict (${JSON.stringify(seen.skipped)})`);
    assert.equal(v.value, 0, `${b}: filter violations`);
    assert.ok(pick(answers, "results", { binding: b })[0].value > 0, `${b}: no results at all`);
  }
  const overlap = (b: string) =>
    pick(answers, "overlap_bm25", { binding: b, query_type: "all" })[0].value;
  assert.ok(overlap("sphinx") > 0.2, `sphinx overlap with BM25 ${overlap("sphinx")}`);
  assert.ok(overlap("postgres-gin") > 0.1, `gin overlap with BM25 ${overlap("postgres-gin")}`);
  const typo = (b: string) =>
    pick(answers, "typo_found", { binding: b, query_type: "typo" })[0]?.value ?? 0;
  assert.ok(typo("postgres-trgm") > typo("postgres-gin"), "trigrams find more misspelled products");
  // Every binding was swept, plain and under updates, with freshness measured.
  const head = tables.search_headroom;
  for (const b of ["postgres-gin", "postgres-rum", "postgres-trgm", "sphinx"]) {
    assert.equal(
      pick(head, "headroom_rps", { binding: b, cache: "off", updates: "off" }).length,
      1,
    );
    const fresh = pick(tables.search_freshness, "not_found", { binding: b });
    assert.ok(fresh.length > 0 && fresh.every((r) => r.value === 0), `${b}: changes not found`);
  }
  assert.equal(pick(head, "cached_binding", {}).length, 1);
  const hits = pick(tables.search_latency, "cache_hit_ratio", { cache: "on" });
  assert.ok(hits.length > 0 && hits.some((r) => r.value > 0.2), "cache hits on a Zipf log");
  assert.ok(pick(tables.search_latency, "latency_p99", { op: "faceted" }).length > 0);
});
