/**
 * PostgreSQL's binding: the event store (one append-only table; the global position is an
 * identity column, the appending transaction's xid8 beside it so feeds read in commit-safe
 * order), the CRUD tables of the same operations, the order-status and sales read models with
 * their checkpoints, both store-side feeds, snapshots, and the saga's service tables. This
 * file holds the binding and the store's admin; the pieces live beside it:
 *
 * - ./postgres_store.ts — schema, append, stream reads, the feed (and why it is commit-safe);
 * - ./postgres_sessions.ts — the event-sourced and the CRUD order sessions;
 * - ./postgres_readside.ts — the read models and the polled / NOTIFY feeds;
 * - ./postgres_saga.ts — the saga's service stores.
 *
 * @module
 */

import type pg from "pg";
import { connectPostgres } from "../../engines/postgres/client.ts";
import type { EngineNode } from "../../engines/mod.ts";
import { type Checkpoint, ORIGIN, type ProjectionName } from "./domain.ts";
import type {
  EsBinding,
  EventStoreAdmin,
  Footprint,
  SagaStores,
  StoreFeed,
  StoreMode,
} from "./binding.ts";
import { readFeed, readStream, RESET, SCHEMA } from "./postgres_store.ts";
import { CrudSession, EventSession } from "./postgres_sessions.ts";
import { OUTBOX_CHECKPOINT, PgOutbox, PgSink, StoreSource } from "./postgres_readside.ts";
import { postgresSagaStores } from "./postgres_saga.ts";

/** PostgreSQL 15, defaults (durable commits). */
export const postgresBinding: EsBinding = {
  name: "postgres",
  engine: "postgres",
  spec: {
    settings: {
      // The rebuild reads 10^6 events in batches; JIT compiling each batch query (cost over
      // 100 000) would add ~50 ms per batch and measure the compiler, not the store.
      jit: "off",
    },
  },
  eventStore: (engine) => Promise.resolve(postgresEventStore(engine.primary)),
};

/** The event store and its neighbours on one PostgreSQL node. */
export function postgresEventStore(node: EngineNode): EventStoreAdmin {
  const connect = () => connectPostgres(node);
  let admin: pg.Client | undefined;
  const a = async () => (admin ??= await connect());
  return {
    async setup(products, initialStock) {
      const c = await a();
      await c.query(`DROP SCHEMA public CASCADE; CREATE SCHEMA public;`);
      await c.query(SCHEMA);
      await c.query(
        `INSERT INTO products (id, price_cents, initial_stock, stock)
         SELECT i, p, $3, $3 FROM unnest($1::int[], $2::int[]) AS u(i, p)`,
        [products.map((p) => p.id), products.map((p) => p.priceCents), initialStock],
      );
    },
    async reset() {
      const c = await a();
      await c.query(RESET);
      await c.query("VACUUM ANALYZE");
    },
    async session(mode: StoreMode) {
      const c = await connect();
      return mode === "events" ? new EventSession(c) : new CrudSession(c);
    },
    async footprint(mode: StoreMode): Promise<Footprint> {
      const c = await a();
      await c.query("VACUUM ANALYZE");
      if (mode === "events") {
        const { rows: [r] } = await c.query<{ bytes: string; orders: string; rows: string }>(
          `SELECT pg_total_relation_size('events')::text AS bytes,
                  count(DISTINCT stream_id)::text AS orders, count(*)::text AS rows
           FROM events WHERE stream_id LIKE 'order-%'`,
        );
        return { bytes: Number(r.bytes), orders: Number(r.orders), rows: Number(r.rows) };
      }
      const { rows: [r] } = await c.query<{ bytes: string; orders: string; rows: string }>(
        `SELECT (pg_total_relation_size('crud_orders') + pg_total_relation_size('crud_order_lines')
                 + pg_total_relation_size('crud_payments'))::text AS bytes,
                (SELECT count(*) FROM crud_orders)::text AS orders,
                ((SELECT count(*) FROM crud_orders) + (SELECT count(*) FROM crud_order_lines)
                 + (SELECT count(*) FROM crud_payments))::text AS rows`,
      );
      return { bytes: Number(r.bytes), orders: Number(r.orders), rows: Number(r.rows) };
    },
    async source(feed: StoreFeed, pollMs: number) {
      const c = await connect();
      if (feed === "notify") await c.query("LISTEN es_events");
      // A NOTIFY feed still polls once a second in case a wake-up was missed.
      return new StoreSource(c, feed, feed === "notify" ? 1000 : pollMs);
    },
    async setNotify(on: boolean) {
      const c = await a();
      await c.query("DROP TRIGGER IF EXISTS es_notify ON events");
      if (on) {
        await c.query(
          "CREATE TRIGGER es_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION es_notify()",
        );
      }
    },
    async outbox(pollMs: number) {
      return new PgOutbox(await connect(), pollMs);
    },
    async requeueOutbox() {
      const c = await a();
      await c.query(
        `BEGIN;
         DELETE FROM outbox;
         INSERT INTO outbox (tx, position) SELECT tx, position FROM events;
         DELETE FROM checkpoints WHERE name = '${OUTBOX_CHECKPOINT}';
         COMMIT;`,
      );
    },
    async sink(projection: ProjectionName) {
      if (projection === "storefront") throw new Error("postgres holds no storefront view");
      return new PgSink(projection, await connect());
    },
    async viewOf(order: number) {
      const c = await a();
      const { rows: [r] } = await c.query<{ status: string; version: number }>({
        name: "view_of",
        text: "SELECT status, version FROM order_view WHERE order_id = $1",
        values: [order],
      });
      return r;
    },
    async *allEvents() {
      const c = await connect();
      try {
        let cp: Checkpoint = ORIGIN;
        for (;;) {
          const batch = await readFeed(c, cp, 20_000);
          if (batch.length === 0) return;
          yield batch;
          cp = batch[batch.length - 1];
        }
      } finally {
        await c.end();
      }
    },
    async head() {
      const c = await a();
      const { rows: [r] } = await c.query<
        { n: string; tx: string | null; position: string | null }
      >(
        // One row, its keys qualified: a bare `ORDER BY tx` would sort the text output column
        // (see FEED_SQL in ./postgres_store.ts).
        `SELECT (SELECT count(*) FROM events)::text AS n, h.tx::text::bigint::text AS tx,
                h.position::text AS position
         FROM (SELECT 1) AS one LEFT JOIN LATERAL (
           SELECT e.tx, e.position FROM events e ORDER BY e.tx DESC, e.position DESC LIMIT 1
         ) AS h ON true`,
      );
      return {
        events: Number(r.n),
        checkpoint: r.tx === null ? ORIGIN : { tx: Number(r.tx), position: Number(r.position) },
      };
    },
    async generate(orders, eventsPerOrder, products) {
      // Synthetic lifecycles in bulk (one statement per 50 000 orders so xids stay apart):
      // placed, reserved, paid, shipped; every tenth order cancelled (and refunded) instead.
      const c = await a();
      const { rows: [{ base }] } = await c.query<{ base: string }>(
        "SELECT coalesce(max((payload->>'order')::bigint), 0)::text AS base FROM events",
      );
      let n = 0;
      const step = 50_000;
      for (let from = 1; from <= orders; from += step) {
        const to = Math.min(orders, from + step - 1);
        const r = await c.query(
          `INSERT INTO events (stream_id, version, type, payload)
           SELECT 'order-' || (o + $5), v, t,
             jsonb_build_object('order', o + $5, 'customer', 1 + o % 997, 'amountCents', 1999,
               'lines', jsonb_build_array(jsonb_build_object('product', 1 + o % $3, 'quantity', 1, 'priceCents', 1999)))
           FROM generate_series($1::int, $2::int) AS o,
           LATERAL (SELECT v, CASE WHEN o % 10 = 0 THEN (ARRAY['OrderPlaced','StockReserved','PaymentCaptured','OrderCancelled','PaymentRefunded'])[v]
                                   ELSE (ARRAY['OrderPlaced','StockReserved','PaymentCaptured','OrderShipped','OrderShipped'])[v] END AS t
                    FROM generate_series(1, $4::int) AS v) AS e
           WHERE NOT (o % 10 <> 0 AND v = 5)
           ORDER BY o, v`,
          [from, to, products, Math.min(eventsPerOrder, 5), Number(base)],
        );
        n += r.rowCount ?? 0;
      }
      await c.query("VACUUM ANALYZE events");
      return n;
    },
    async prepareLongStream(stream, length, every) {
      const c = await a();
      await c.query(
        `INSERT INTO events (stream_id, version, type, payload)
         SELECT $1, v, 'StockAdjusted', jsonb_build_object('delta', 1 + v % 7, 'note', 'restock from supplier batch ' || v)
         FROM generate_series(1, $2::int) AS v`,
        [stream, length],
      );
      if (every > 0) {
        await c.query(
          `INSERT INTO snapshots (stream_id, version, state)
           SELECT $1, s, jsonb_build_object('stock', (SELECT sum(1 + v % 7) FROM generate_series(1, s) v))
           FROM generate_series($3::int, $2::int, $3::int) AS s`,
          [stream, length, every],
        );
      }
      await c.query("ANALYZE events; ANALYZE snapshots");
    },
    async loadLong(stream, useSnapshot) {
      const c = await a();
      let version = 0;
      let state = 0;
      if (useSnapshot) {
        const { rows: [s] } = await c.query<{ version: number; stock: string }>({
          name: "snap",
          text: `SELECT version, state->>'stock' AS stock FROM snapshots WHERE stream_id = $1
                 ORDER BY version DESC LIMIT 1`,
          values: [stream],
        });
        if (s) [version, state] = [s.version, Number(s.stock)];
      }
      const rows = await readStream(c, stream, version);
      for (const r of rows) state += Number((r.payload as unknown as { delta: number }).delta);
      return { events: rows.length, state };
    },
    saga(): SagaStores {
      return postgresSagaStores(a, connect);
    },
    async close() {
      await admin?.end();
      admin = undefined;
    },
  };
}
