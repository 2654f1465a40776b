/**
 * The database behind the cache: PostgreSQL's product catalog, one row per product with its
 * price, stock, a version that every update increments, and the static page body. Reads by
 * primary key (prepared statements) are what a cache miss costs; updates of price and stock
 * commit a new version, which the stale-read check compares cached reads against.
 */

import type pg from "pg";
import { connectPostgres, copyIntoPostgres } from "../../engines/postgres/client.ts";
import type { EngineNode } from "../../engines/mod.ts";
import type { Binding } from "../binding.ts";
import type { Catalog } from "../../workload/generate.ts";
import { cachedValue, productKey, productPageBody } from "./page.ts";

const SCHEMA = `
DROP TABLE IF EXISTS cache_products;
CREATE TABLE cache_products (
  id int PRIMARY KEY,
  version bigint NOT NULL,
  price_cents int NOT NULL,
  stock int NOT NULL,
  page text NOT NULL)`;

/** The system of record behind every cache: PostgreSQL 15 with its default configuration. */
export const catalogBinding: Binding = { name: "postgres", engine: "postgres" };

/** What loading the catalog produced. */
export interface LoadedCatalog {
  rows: number;
  seconds: number;
  /**
   * The hot data set: key + value bytes of every product's cached page at load time. Cache
   * budgets are fractions of it.
   */
  hotSetBytes: number;
  /** Value sizes (bytes), ascending: for reporting the object-size distribution. */
  valueSizes: number[];
}

/** A committed update: the version and the value a write-through cache would store. */
export interface CommittedUpdate {
  version: number;
  value: string;
}

/** One worker's connection to the catalog. */
export interface CatalogSession {
  /** A product's cached value and version (a cache miss). */
  read(id: number): Promise<{ value: string; version: number }>;
  /** Many products at once (warm-up misses). */
  readMany(ids: readonly number[]): Promise<Map<number, string>>;
  /**
   * Set price and stock, committing version + 1. `beforeCommit` is given that version once
   * the row is updated (and locked) and before COMMIT is sent: from then on the update may
   * have committed even if this call fails (a lost acknowledgement), so a history can record
   * the version it attempted. A failure before that point rolled the update back.
   */
  update(
    id: number,
    priceCents: number,
    stock: number,
    beforeCommit?: (version: number) => void,
  ): Promise<CommittedUpdate>;
  close(): Promise<void>;
}

/** The catalog table on one PostgreSQL node. */
export interface CatalogDb {
  /** Create the table and COPY the catalog's products with their pages. */
  load(catalog: Catalog): Promise<LoadedCatalog>;
  /** Every product back to version 1 (start of a consistency run). */
  resetVersions(): Promise<void>;
  session(): Promise<CatalogSession>;
}

interface Row {
  id: number;
  version: string;
  price_cents: number;
  stock: number;
  page: string;
}

const valueOf = (r: Row) => cachedValue(r.id, Number(r.version), r.price_cents, r.stock, r.page);

/** The {@link CatalogDb} on a PostgreSQL node. */
export function catalogDb(node: EngineNode): CatalogDb {
  return {
    async load(catalog: Catalog): Promise<LoadedCatalog> {
      const t0 = performance.now();
      const c = await connectPostgres(node);
      try {
        await c.query(SCHEMA);
        const rows = catalog.products.map((p) => ({
          id: p.id,
          version: 1,
          price_cents: p.price_cents,
          stock: p.stock,
          page: productPageBody(catalog, p),
        }));
        const valueSizes = rows.map((r) =>
          new TextEncoder().encode(cachedValue(r.id, 1, r.price_cents, r.stock, r.page)).length
        ).sort((a, b) => a - b);
        const keyBytes = catalog.products.reduce((s, p) => s + productKey(p.id).length, 0);
        const hotSetBytes = keyBytes + valueSizes.reduce((a, b) => a + b, 0);
        const n = await copyIntoPostgres(
          c,
          "cache_products",
          ["id", "version", "price_cents", "stock", "page"],
          rows,
        );
        await c.query("VACUUM ANALYZE cache_products");
        return { rows: n, seconds: (performance.now() - t0) / 1000, hotSetBytes, valueSizes };
      } finally {
        await c.end();
      }
    },

    async resetVersions() {
      const c = await connectPostgres(node);
      try {
        await c.query("UPDATE cache_products SET version = 1 WHERE version <> 1");
        // Dead tuples of the last run would slow the next one's reads.
        await c.query("VACUUM ANALYZE cache_products");
      } finally {
        await c.end();
      }
    },

    async session(): Promise<CatalogSession> {
      const c = await connectPostgres(node);
      return new Session(c);
    },
  };
}

class Session implements CatalogSession {
  constructor(private readonly c: pg.Client) {
    // A server going away is reported by the query in flight; without a listener node-postgres
    // would also raise it as an uncaught error event.
    c.on("error", () => {});
  }

  async read(id: number) {
    const res = await this.c.query<Row>({
      name: "cache_read",
      text: "SELECT id, version, price_cents, stock, page FROM cache_products WHERE id = $1",
      values: [id],
    });
    const row = res.rows[0];
    if (!row) throw new Error(`catalog: no product ${id}`);
    return { value: valueOf(row), version: Number(row.version) };
  }

  async readMany(ids: readonly number[]) {
    const res = await this.c.query<Row>({
      name: "cache_read_many",
      text:
        "SELECT id, version, price_cents, stock, page FROM cache_products WHERE id = ANY($1::int[])",
      values: [ids],
    });
    return new Map<number, string>(res.rows.map((r: Row) => [r.id, valueOf(r)]));
  }

  async update(
    id: number,
    priceCents: number,
    stock: number,
    beforeCommit?: (version: number) => void,
  ) {
    // A transaction, not one autocommit statement: the database picks the version, and in
    // autocommit the client learns it only from the acknowledgement it may lose. Here it is
    // known before COMMIT is sent, and PostgreSQL never commits an open transaction by itself,
    // so a failure before COMMIT means no write. Two more round trips per update, and the row
    // lock is held for one of them.
    await this.c.query("BEGIN");
    let committed: CommittedUpdate;
    try {
      const res = await this.c.query<Row>({
        name: "cache_update",
        text: "UPDATE cache_products SET version = version + 1, price_cents = $2, stock = $3 " +
          "WHERE id = $1 RETURNING id, version, price_cents, stock, page",
        values: [id, priceCents, stock],
      });
      const row = res.rows[0];
      if (!row) throw new Error(`catalog: no product ${id}`);
      committed = { version: Number(row.version), value: valueOf(row) };
      beforeCommit?.(committed.version);
    } catch (err) {
      // Best effort: on a broken connection the server rolls back anyway.
      await this.c.query("ROLLBACK").catch(() => {});
      throw err;
    }
    await this.c.query("COMMIT");
    return committed;
  }

  async close() {
    await this.c.end();
  }
}
