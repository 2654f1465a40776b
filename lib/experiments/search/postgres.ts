/**
 * PostgreSQL's search bindings, three indexes over one table on one engine start:
 *
 * - `postgres-gin`: a tsvector column with a GIN index, ranked with `ts_rank_cd` (the stock
 *   full-text search every PostgreSQL has);
 * - `postgres-rum`: the same tsvector under a RUM index (Debian postgresql-15-rum), which
 *   stores positions and returns matches in rank order (`<=>`), so top-K reads K entries
 *   instead of ranking every match;
 * - `postgres-trgm`: pg_trgm's GIN index on the title, for misspellings (word similarity)
 *   and prefixes (a word-start regular expression), as an autocomplete box uses it.
 *
 * The text search configuration is `simple` (no stemming): the vocabulary is made-up words,
 * so every engine and the BM25 reference see the same terms.
 *
 * @module
 */

import type pg from "pg";
import { connectPostgres, copyIntoPostgres } from "../../engines/postgres/client.ts";
import type { Engine } from "../../engines/mod.ts";
import { type SearchProduct, type SearchQuery, tokenize } from "../../workload/search.ts";
import type { LoadFacts, SearchBinding, SearchStore } from "./binding.ts";

const DOC = "title || ' ' || brand || ' ' || attributes || ' ' || description";
const COLUMNS = [
  "id",
  "title",
  "description",
  "brand",
  "category",
  "attributes",
  "price",
  "in_stock",
];

const SETTINGS = {
  // JIT compiles any plan that ranks tens of thousands of matches (cost > 100 000): tens of
  // ms of compiling per query would be measured instead of the index.
  jit: "off",
  // Room for the three indexes and the table at 10^5-10^6 products (the default is 128 MB).
  shared_buffers: "512MB",
  // Index builds after the bulk load (the default 64 MB spills GIN builds to disk).
  maintenance_work_mem: "256MB",
};

function row(p: SearchProduct) {
  return {
    id: p.id,
    title: p.title,
    description: p.description,
    brand: p.brand,
    category: p.category,
    attributes: p.attributes,
    price: p.price.toFixed(2),
    in_stock: p.inStock ? "t" : "f",
  };
}

const loaded = new WeakMap<Engine, number>();

/** Create and fill the products table once per engine; seconds it took (0 if already there). */
async function ensureTable(engine: Engine, products: readonly SearchProduct[]): Promise<number> {
  if (loaded.has(engine)) return 0;
  const c = await connectPostgres(engine.primary);
  try {
    const t0 = performance.now();
    await c.query("CREATE EXTENSION IF NOT EXISTS rum; CREATE EXTENSION IF NOT EXISTS pg_trgm");
    // Two tsvector columns with the same content: one per index, so the planner cannot
    // answer a GIN binding's query from the RUM index or the other way round.
    await c.query(`CREATE TABLE products (
      id int PRIMARY KEY, title text NOT NULL, description text NOT NULL, brand text NOT NULL,
      category int NOT NULL, attributes text NOT NULL, price numeric(10,2) NOT NULL,
      in_stock boolean NOT NULL,
      tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', ${DOC})) STORED,
      tsv_r tsvector GENERATED ALWAYS AS (to_tsvector('simple', ${DOC})) STORED)`);
    await copyIntoPostgres(c, "products", COLUMNS, products.map(row));
    await c.query("CREATE INDEX products_category ON products (category)");
    await c.query("ANALYZE products");
    const s = (performance.now() - t0) / 1000;
    loaded.set(engine, s);
    return s;
  } finally {
    await c.end();
  }
}

async function buildIndex(engine: Engine, name: string, ddl: string): Promise<LoadFacts> {
  const c = await connectPostgres(engine.primary);
  try {
    const t0 = performance.now();
    await c.query(ddl);
    await c.query("ANALYZE products");
    const indexS = (performance.now() - t0) / 1000;
    const [{ b }] = (await c.query(`SELECT pg_relation_size('${name}')::float8 AS b`)).rows;
    return { loadS: 0, indexS, bytes: Number(b) };
  } finally {
    await c.end();
  }
}

/** A to_tsquery text for a query: words ANDed, adjacent for a phrase, the last a prefix. */
export function tsQueryText(q: SearchQuery): string {
  const words = q.words.flatMap(tokenize);
  const parts = words.map((w, i) => (q.prefix && i === words.length - 1 ? `${w}:*` : w));
  return parts.join(q.phrase ? " <-> " : " & ");
}

/** Filter clauses and their parameters, numbered from `first`. */
export function filterSql(q: SearchQuery, first: number): { sql: string; params: unknown[] } {
  const f = q.filters;
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, v: unknown) => {
    params.push(v);
    clauses.push(clause.replace("?", `$${first + params.length - 1}`));
  };
  if (f.category !== undefined) add("category = ?", f.category);
  if (f.priceMin !== undefined) add("price >= ?", f.priceMin);
  if (f.priceMax !== undefined) add("price <= ?", f.priceMax);
  if (f.inStock !== undefined) add("in_stock = ?", f.inStock);
  return { sql: clauses.map((c) => ` AND ${c}`).join(""), params };
}

type Plan = (q: SearchQuery, k: number) => { text: string; values: unknown[] };

const ginPlan: Plan = (q, k) => {
  const f = filterSql(q, 3);
  const order = q.sort === "price"
    ? "price, id"
    : "ts_rank_cd(tsv, to_tsquery('simple', $1)) DESC, id";
  return {
    text:
      `SELECT id FROM products WHERE tsv @@ to_tsquery('simple', $1)${f.sql} ORDER BY ${order} LIMIT $2`,
    values: [tsQueryText(q), k, ...f.params],
  };
};

const rumPlan: Plan = (q, k) => {
  const f = filterSql(q, 3);
  const order = q.sort === "price" ? "price, id" : "tsv_r <=> to_tsquery('simple', $1)";
  return {
    text:
      `SELECT id FROM products WHERE tsv_r @@ to_tsquery('simple', $1)${f.sql} ORDER BY ${order} LIMIT $2`,
    values: [tsQueryText(q), k, ...f.params],
  };
};

const trgmPlan: Plan = (q, k) => {
  const f = filterSql(q, 3);
  const words = q.words.flatMap(tokenize);
  const text = words.join(" ");
  if (q.prefix) {
    // A word of the title starts with the prefix; closest titles first.
    return {
      text: `SELECT id FROM products WHERE title ~ ('\\m' || $1)${f.sql}
        ORDER BY ${
        q.sort === "price" ? "price, id" : "word_similarity($1, title) DESC, id"
      } LIMIT $2`,
      values: [text, k, ...f.params],
    };
  }
  if (q.phrase) {
    return {
      text: `SELECT id FROM products WHERE title ILIKE ('%' || $1 || '%')${f.sql}
        ORDER BY ${q.sort === "price" ? "price, id" : "length(title), id"} LIMIT $2`,
      values: [text, k, ...f.params],
    };
  }
  return {
    text: `SELECT id FROM products WHERE $1 <% title${f.sql}
      ORDER BY ${
      q.sort === "price" ? "price, id" : "word_similarity($1, title) DESC, id"
    } LIMIT $2`,
    values: [text, k, ...f.params],
  };
};

const names = new Map<string, string>();
function statementName(text: string): string {
  let n = names.get(text);
  if (!n) names.set(text, n = `s${names.size}`);
  return n;
}

async function openStore(
  engine: Engine,
  connections: number,
  plan: Plan,
  session: string[] = [],
): Promise<SearchStore> {
  const clients: pg.Client[] = [];
  for (let i = 0; i < connections; i++) {
    const c = await connectPostgres(engine.primary);
    // A server process that dies ends its connections: the failed queries report it, and
    // without a listener node-postgres would also raise it as an uncaught error event.
    c.on("error", () => {});
    for (const s of session) await c.query(s);
    clients.push(c);
  }
  return {
    async search(q, k, slot) {
      const { text, values } = plan(q, k);
      const r = await clients[slot % clients.length].query<{ id: number }>({
        name: statementName(text),
        text,
        values,
      });
      return r.rows.map((x: { id: number }) => x.id);
    },
    async update(p, slot) {
      const r = row(p);
      await clients[slot % clients.length].query({
        name: "upsert",
        text: `INSERT INTO products (${COLUMNS.join(", ")}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
          ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description,
          brand = EXCLUDED.brand, category = EXCLUDED.category, attributes = EXCLUDED.attributes,
          price = EXCLUDED.price, in_stock = EXCLUDED.in_stock`,
        values: COLUMNS.map((c) => (r as Record<string, unknown>)[c]),
      });
    },
    async close() {
      await Promise.all(clients.map((c) => c.end()));
    },
  };
}

const spec = { settings: SETTINGS };

async function loadWith(
  engine: Engine,
  products: readonly SearchProduct[],
  index: string,
  ddl: string,
): Promise<LoadFacts> {
  const loadS = await ensureTable(engine, products);
  return { ...(await buildIndex(engine, index, ddl)), loadS };
}

/** tsvector + GIN, ranked by ts_rank_cd. */
export const postgresGinBinding: SearchBinding = {
  name: "postgres-gin",
  engine: "postgres",
  spec,
  shared: "postgres",
  index: "tsvector GIN + ts_rank_cd",
  meantFor: ["one_word", "multi_word", "phrase", "prefix", "faceted"],
  load: (engine, products) =>
    loadWith(
      engine,
      products,
      "products_gin",
      "CREATE INDEX products_gin ON products USING gin (tsv)",
    ),
  open: (engine, n) => openStore(engine, n, ginPlan),
};

/** tsvector + RUM, top-K in rank order. */
export const postgresRumBinding: SearchBinding = {
  name: "postgres-rum",
  engine: "postgres",
  spec,
  shared: "postgres",
  index: "tsvector RUM (rank-ordered top-K)",
  meantFor: ["one_word", "multi_word", "phrase", "prefix", "faceted"],
  load: (engine, products) =>
    loadWith(
      engine,
      products,
      "products_rum",
      "CREATE INDEX products_rum ON products USING rum (tsv_r rum_tsvector_ops)",
    ),
  open: (engine, n) => openStore(engine, n, rumPlan),
};

/** pg_trgm on titles: misspellings and prefixes. */
export const postgresTrgmBinding: SearchBinding = {
  name: "postgres-trgm",
  engine: "postgres",
  spec,
  shared: "postgres",
  index: "pg_trgm GIN on title (word similarity)",
  meantFor: ["prefix", "typo"],
  load: (engine, products) =>
    loadWith(
      engine,
      products,
      "products_trgm",
      "CREATE INDEX products_trgm ON products USING gin (title gin_trgm_ops)",
    ),
  // 0.5 rather than the default 0.6: one edit in a two-word query lowers its word similarity
  // to a title holding both words to about 0.5-0.7.
  open: (engine, n) =>
    openStore(engine, n, trgmPlan, ["SET pg_trgm.word_similarity_threshold = 0.5"]),
};
