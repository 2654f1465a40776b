/**
 * Sphinx's search binding: one RT index (fields title, brand, attributes, description; price,
 * category and stock as attributes), written with INSERT/REPLACE over SphinxQL and searchable
 * at once, ranked by Sphinx's default ranker (phrase proximity + BM25). Prefixes use
 * `dict = keywords` with `min_prefix_len = 3`; Sphinx 2.2 has no fuzzy matching, so a
 * misspelled word is searched as typed. No stemming (`morphology` unset): see ./postgres.ts.
 *
 * @module
 */

import type mysql from "mysql2/promise";
import type { Engine } from "../../engines/mod.ts";
import { connectSphinx, sphinxMatchWords, sphinxString } from "../../engines/sphinx/client.ts";
import type { SphinxIndex } from "../../engines/sphinx/mod.ts";
import { type SearchProduct, type SearchQuery, tokenize } from "../../workload/search.ts";
import type { SearchBinding, SearchStore } from "./binding.ts";

const INDEX: SphinxIndex = {
  fields: ["title", "brand", "attributes", "description"],
  attrs: [["uint", "category"], ["float", "price"], ["uint", "in_stock"]],
  settings: {
    // Prefix search (autocomplete): keyword dictionary with word starts of 3+ letters.
    dict: "keywords",
    min_prefix_len: 3,
    // The RAM chunk holds 10^5 products without flushing to disk chunks mid-run (default 128M).
    rt_mem_limit: "512M",
  },
};

const COLUMNS = "id, title, brand, attributes, description, category, price, in_stock";

function values(p: SearchProduct): string {
  return `(${p.id}, ${sphinxString(p.title)}, ${sphinxString(p.brand)}, ${
    sphinxString(p.attributes)
  }, ${sphinxString(p.description)}, ${p.category}, ${p.price.toFixed(2)}, ${p.inStock ? 1 : 0})`;
}

/** The MATCH() expression of a query: words ANDed, quoted for a phrase, `*` after a prefix. */
export function sphinxMatch(q: SearchQuery): string {
  const words = q.words.flatMap(tokenize).map(sphinxMatchWords).filter(Boolean);
  if (q.phrase) return `"${words.join(" ")}"`;
  return words.map((w, i) => (q.prefix && i === words.length - 1 ? `${w}*` : w)).join(" ");
}

/** The SphinxQL SELECT of a query. */
export function sphinxSelect(q: SearchQuery, k: number): string {
  const f = q.filters;
  const where = [`MATCH(${sphinxString(sphinxMatch(q))})`];
  if (f.category !== undefined) where.push(`category = ${f.category}`);
  if (f.priceMin !== undefined) where.push(`price >= ${f.priceMin.toFixed(2)}`);
  if (f.priceMax !== undefined) where.push(`price <= ${f.priceMax.toFixed(2)}`);
  if (f.inStock !== undefined) where.push(`in_stock = ${f.inStock ? 1 : 0}`);
  const order = q.sort === "price" ? "price ASC, id ASC" : "WEIGHT() DESC, id ASC";
  return `SELECT id FROM products WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ${k}`;
}

async function load(engine: Engine, products: readonly SearchProduct[]) {
  const c = await connectSphinx(engine.primary);
  try {
    if (engine.provider !== "native") {
      // Manticore (docker/external) creates RT tables by statement; Sphinx 2.2 reads its
      // schema from the config the native provider wrote.
      await c.query(
        "CREATE TABLE IF NOT EXISTS products (title text, brand text, attributes text, description text, category int, price float, in_stock int) min_prefix_len='3' dict='keywords'",
      );
    }
    const t0 = performance.now();
    for (let i = 0; i < products.length; i += 500) {
      const batch = products.slice(i, i + 500).map(values).join(", ");
      await c.query(`INSERT INTO products (${COLUMNS}) VALUES ${batch}`);
    }
    const loadS = (performance.now() - t0) / 1000;
    const rows = await c.query("SHOW INDEX products STATUS") as unknown as [
      { Variable_name: string; Value: string }[],
    ];
    const stat = (n: string) => Number(rows[0].find((r) => r.Variable_name === n)?.Value ?? 0);
    return { loadS, indexS: 0, bytes: stat("ram_bytes") + stat("disk_bytes") };
  } finally {
    await c.end();
  }
}

async function open(engine: Engine, connections: number): Promise<SearchStore> {
  const conns: mysql.Connection[] = [];
  for (let i = 0; i < connections; i++) {
    const c = await connectSphinx(engine.primary);
    c.on("error", () => {}); // a dying searchd fails the queries; no uncaught error event
    conns.push(c);
  }
  return {
    async search(q, k, slot) {
      const [rows] = await conns[slot % conns.length].query(sphinxSelect(q, k));
      return (rows as { id: number | string }[]).map((r) => Number(r.id));
    },
    async update(p, slot) {
      await conns[slot % conns.length].query(
        `REPLACE INTO products (${COLUMNS}) VALUES ${values(p)}`,
      );
    },
    async close() {
      await Promise.all(conns.map((c) => c.end()));
    },
  };
}

/** Sphinx 2.2 searchd, one RT index. */
export const sphinxBinding: SearchBinding = {
  name: "sphinx",
  engine: "sphinx",
  spec: { options: { indexes: { products: INDEX } } },
  index: "RT index, proximity+BM25 ranker",
  meantFor: ["one_word", "multi_word", "phrase", "prefix", "faceted"],
  load,
  open,
};
