/**
 * Elasticsearch's search binding (also OpenSearch): one index with a `text` field (title,
 * brand, attributes, description; BM25), price, category and stock as keyword/numeric fields.
 * Words are matched with AND and `fuzziness: AUTO` (one or two edits by word length), a
 * phrase with match_phrase, a prefix with match_phrase_prefix. It runs only through docker or
 * BENCH_ELASTICSEARCH_URL: here it is skipped with the registry's one-line reason.
 *
 * @module
 */

import { esJson } from "../../engines/elasticsearch/mod.ts";
import type { Engine } from "../../engines/mod.ts";
import { type SearchProduct, type SearchQuery, tokenize } from "../../workload/search.ts";
import type { SearchBinding, SearchStore } from "./binding.ts";

const INDEX = "products";

function doc(p: SearchProduct) {
  return {
    text: `${p.title} ${p.brand} ${p.attributes} ${p.description}`,
    category: p.category,
    price: p.price,
    in_stock: p.inStock,
  };
}

/** The request body of a query. */
export function esQuery(q: SearchQuery, k: number) {
  const text = q.words.flatMap(tokenize).join(" ");
  const must = q.phrase
    ? { match_phrase: { text } }
    : q.prefix
    ? { match_phrase_prefix: { text } }
    : { match: { text: { query: text, operator: "and", fuzziness: "AUTO", prefix_length: 1 } } };
  const f = q.filters;
  const filter: unknown[] = [];
  if (f.category !== undefined) filter.push({ term: { category: f.category } });
  if (f.priceMin !== undefined || f.priceMax !== undefined) {
    filter.push({ range: { price: { gte: f.priceMin, lte: f.priceMax } } });
  }
  if (f.inStock !== undefined) filter.push({ term: { in_stock: f.inStock } });
  return {
    size: k,
    _source: false,
    query: { bool: { must, filter } },
    sort: q.sort === "price" ? [{ price: "asc" }, { id: "asc" }] : ["_score", { id: "asc" }],
  };
}

async function load(engine: Engine, products: readonly SearchProduct[]) {
  const n = engine.primary;
  await esJson(n, `/${INDEX}`, { method: "DELETE" }).catch(() => undefined);
  await esJson(n, `/${INDEX}`, {
    method: "PUT",
    body: JSON.stringify({
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        properties: {
          id: { type: "integer" },
          text: { type: "text" },
          category: { type: "integer" },
          price: { type: "scaled_float", scaling_factor: 100 },
          in_stock: { type: "boolean" },
        },
      },
    }),
  });
  const t0 = performance.now();
  for (let i = 0; i < products.length; i += 2000) {
    const body = products.slice(i, i + 2000).map((p) =>
      `${JSON.stringify({ index: { _index: INDEX, _id: String(p.id) } })}\n${
        JSON.stringify({ id: p.id, ...doc(p) })
      }\n`
    ).join("");
    await esJson(n, "/_bulk", {
      method: "POST",
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
  }
  await esJson(n, `/${INDEX}/_refresh`, { method: "POST" });
  const loadS = (performance.now() - t0) / 1000;
  const stats = await esJson<{ _all: { total: { store: { size_in_bytes: number } } } }>(
    n,
    `/${INDEX}/_stats/store`,
  );
  return { loadS, indexS: 0, bytes: stats._all.total.store.size_in_bytes };
}

function open(engine: Engine): Promise<SearchStore> {
  const n = engine.primary;
  return Promise.resolve({
    async search(q, k) {
      const r = await esJson<{ hits: { hits: { _id: string }[] } }>(n, `/${INDEX}/_search`, {
        method: "POST",
        body: JSON.stringify(esQuery(q, k)),
      });
      return r.hits.hits.map((h) => Number(h._id));
    },
    async update(p) {
      await esJson(n, `/${INDEX}/_doc/${p.id}`, {
        method: "PUT",
        body: JSON.stringify({ id: p.id, ...doc(p) }),
      });
    },
    close: () => Promise.resolve(),
  });
}

/** Elasticsearch 8 / OpenSearch 2 over REST (docker or external only). */
export const elasticsearchBinding: SearchBinding = {
  name: "elasticsearch",
  engine: "elasticsearch",
  index: "inverted index, BM25, fuzziness AUTO",
  load,
  open,
};
