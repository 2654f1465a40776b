// The search checkers on hand-built good and bad answers, and the BM25 reference on a
// catalog small enough to score by hand.

import assert from "node:assert/strict";
import { Bm25Index, checkFilters, topKOverlap } from "./search.ts";
import type { SearchProduct, SearchQuery } from "../workload/search.ts";
import { generateQueryLog, generateSearchCatalog, misspell } from "../workload/search.ts";
import { createRng } from "../workload/rng.ts";

const product = (id: number, title: string, over: Partial<SearchProduct> = {}): SearchProduct => ({
  id,
  title,
  description: "",
  brand: "acme",
  category: 1,
  attributes: "",
  price: 10,
  inStock: true,
  ...over,
});

const query = (words: string[], over: Partial<SearchQuery> = {}): SearchQuery => ({
  id: 1,
  type: "one_word",
  words,
  phrase: false,
  prefix: false,
  filters: {},
  sort: "relevance",
  seedProduct: 1,
  ...over,
});

const catalog = [
  product(1, "kalo mira", { category: 2, price: 5 }),
  product(2, "kalo kalo tesu", { category: 2, price: 50, inStock: false }),
  product(3, "mira tesu", { category: 3, price: 20 }),
];
const byId = new Map(catalog.map((p) => [p.id, p]));

Deno.test("checkFilters: answers that respect the filters and the price order pass", () => {
  const v = checkFilters([
    { query: query(["kalo"], { filters: { category: 2 }, sort: "price" }), ids: [1, 2] },
    {
      query: query(["mira"], { filters: { priceMin: 1, priceMax: 30, inStock: true } }),
      ids: [3, 1],
    },
    { query: query(["zzz"]), ids: [] },
  ], byId);
  assert.equal(v.ok, true);
  assert.equal(v.results, 4);
  assert.equal(v.violations, 0);
});

Deno.test("checkFilters: wrong category, price, stock, unknown ids and price order are caught", () => {
  const v = checkFilters([
    { query: query(["kalo"], { filters: { category: 3 } }), ids: [1] },
    { query: query(["kalo"], { filters: { priceMax: 30 } }), ids: [2] },
    { query: query(["kalo"], { filters: { inStock: true } }), ids: [2] },
    { query: query(["kalo"]), ids: [99] },
    { query: query(["kalo"], { sort: "price" }), ids: [2, 1] },
  ], byId);
  assert.equal(v.ok, false);
  assert.equal(v.violations, 4);
  assert.equal(v.unsorted, 1);
  assert.equal(v.examples.length, 5);
  assert.match(v.examples[0], /category 2/);
});

Deno.test("topKOverlap: shared share of the longer list, capped at k", () => {
  assert.equal(topKOverlap([1, 2, 3], [3, 2, 1]), 1);
  assert.equal(topKOverlap([1, 2], [2, 5, 6, 7]), 0.25);
  assert.equal(topKOverlap([], []), 1);
  assert.equal(topKOverlap([1], []), 0);
  assert.equal(topKOverlap([1, 2, 3], [1, 9, 8], 1), 1);
});

Deno.test("Bm25Index: scores by hand, AND, phrase, prefix, filters", () => {
  const ix = new Bm25Index(catalog);
  // df(kalo) = 2 of N = 3: idf = ln(1 + (3 - 2 + 0.5) / 2.5) = ln 1.6.
  assert.ok(Math.abs(ix.idf("kalo") - Math.log(1.6)) < 1e-12);
  // Doc lengths (title + brand): 3, 4, 3; avg 10/3. kalo in 2 with tf 2, len 4:
  const k1 = 1.2, b = 0.75, avg = 10 / 3;
  const s2 = Math.log(1.6) * (2 * 2.2) / (2 + k1 * (1 - b + b * 4 / avg));
  const s1 = Math.log(1.6) * 2.2 / (1 + k1 * (1 - b + b * 3 / avg));
  const got = ix.search(query(["kalo"]));
  assert.deepEqual(got.map((r) => r.id), [2, 1]);
  assert.ok(Math.abs(got[0].score - s2) < 1e-12 && Math.abs(got[1].score - s1) < 1e-12);
  assert.deepEqual(ix.search(query(["kalo", "tesu"])).map((r) => r.id), [2]);
  assert.deepEqual(ix.search(query(["mira", "tesu"], { phrase: true })).map((r) => r.id), [3]);
  assert.deepEqual(ix.search(query(["tesu", "mira"], { phrase: true })).map((r) => r.id), []);
  assert.deepEqual(ix.search(query(["mi"], { prefix: true })).map((r) => r.id).sort(), [1, 3]);
  assert.deepEqual(ix.search(query(["kalo"], { filters: { inStock: true } })).map((r) => r.id), [
    1,
  ]);
  assert.deepEqual(ix.search(query(["nope"])), []);
});

Deno.test("search workload: deterministic, every non-typo query has an answer", () => {
  const spec = {
    products: 500,
    vocabulary: 800,
    termSkew: 1,
    brands: 20,
    categories: 10,
    titleWords: 4,
    descriptionWords: 12,
    inStockShare: 0.85,
  };
  const a = generateSearchCatalog(spec, 7);
  assert.deepEqual(a, generateSearchCatalog(spec, 7));
  const log = generateQueryLog(a, { queries: 200, popularitySkew: 0.99 }, 7);
  assert.equal(log.length, 200);
  const ix = new Bm25Index(a);
  const types = new Set(log.map((q) => q.type));
  assert.equal(types.size, 6);
  for (const q of log) {
    if (q.type === "typo") continue;
    const ids = ix.search(q, Infinity).map((r) => r.id);
    assert.ok(ids.includes(q.seedProduct), `query ${q.id} ${q.type} ${q.words} misses its seed`);
  }
  const rng = createRng(1);
  for (const w of ["kalomira", "tesuvano"]) {
    const m = misspell(w, rng);
    assert.notEqual(m, w);
    assert.equal(m[0], w[0]);
  }
});
