/**
 * PostgreSQL's event store core (part of the binding in ./postgres.ts): the schema, appends
 * with optimistic concurrency on (stream, version), stream reads, the feed in commit-safe
 * order, and the small transaction and stock helpers the sessions share.
 *
 * Why (tx, position) and not position alone: identities are handed out before commit, so a
 * reader that trusts `position > last` skips an event whose transaction commits after a later
 * one's. The feed reads only transactions older than the oldest still running
 * (`pg_snapshot_xmin`), in (xid, position) order, and a checkpoint is that pair.
 *
 * @module
 */

import type pg from "pg";
import type { Checkpoint, Line, NewEvent, StoredEvent } from "./domain.ts";
import { type Appended, ConcurrencyConflict } from "./binding.ts";

/** Every table of the experiment on this server, and the NOTIFY trigger's function. */
export const SCHEMA = `
CREATE TABLE products (id int PRIMARY KEY, price_cents int NOT NULL, initial_stock int NOT NULL,
  stock int NOT NULL, sold int NOT NULL DEFAULT 0);
CREATE TABLE events (
  position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id text NOT NULL, version int NOT NULL, type text NOT NULL, payload jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, version));
CREATE INDEX events_feed ON events (tx, position);
-- The transactional outbox: one row per event, written by the append's own statement (so in
-- its transaction); the relay reads it in the feed's order and deletes what it relayed.
CREATE TABLE outbox (tx xid8 NOT NULL, position bigint NOT NULL, PRIMARY KEY (tx, position));
CREATE TABLE snapshots (stream_id text NOT NULL, version int NOT NULL, state jsonb NOT NULL,
  PRIMARY KEY (stream_id, version));
CREATE TABLE crud_orders (id bigint PRIMARY KEY, customer int NOT NULL, status text NOT NULL,
  total_cents bigint NOT NULL, version int NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE crud_order_lines (order_id bigint NOT NULL, line_no int NOT NULL, product_id int NOT NULL,
  quantity int NOT NULL, price_cents int NOT NULL, PRIMARY KEY (order_id, line_no));
CREATE TABLE crud_payments (order_id bigint PRIMARY KEY, amount_cents bigint NOT NULL,
  status text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE order_view (order_id bigint PRIMARY KEY, customer int, status text NOT NULL,
  version int NOT NULL, total_cents bigint);
CREATE TABLE product_sales (product_id int PRIMARY KEY, units bigint NOT NULL);
CREATE TABLE checkpoints (name text PRIMARY KEY, tx bigint NOT NULL, position bigint NOT NULL);
CREATE TABLE saga_log (saga bigint NOT NULL, seq bigserial, step text NOT NULL, detail text,
  at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (saga, seq));
CREATE TABLE inv_holds (saga bigint NOT NULL, product_id int NOT NULL, quantity int NOT NULL,
  state text NOT NULL, PRIMARY KEY (saga, product_id));
CREATE TABLE gw_payments (idem_key text PRIMARY KEY, saga bigint NOT NULL, amount_cents bigint NOT NULL,
  answer text NOT NULL, refunded boolean NOT NULL DEFAULT false);
CREATE TABLE shipments (saga bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE acid_orders (id bigint PRIMARY KEY, status text NOT NULL, total_cents bigint NOT NULL);
CREATE FUNCTION es_notify() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_notify('es_events', ''); RETURN NULL; END $$;
`;

/** Empty every table but products, and give the products their initial stock back. */
export const RESET = `
TRUNCATE events, outbox, snapshots, crud_orders, crud_order_lines, crud_payments, order_view,
  product_sales, checkpoints, saga_log, inv_holds, gw_payments, shipments, acid_orders
  RESTART IDENTITY;
UPDATE products SET stock = initial_stock, sold = 0;
`;

// The sort keys are qualified on purpose: a bare name in ORDER BY means the *output* column
// of that name first, and the output columns `tx` and `position` are text (for exact bigints
// in JavaScript), so `ORDER BY tx, position` sorted "1008" before "985" and "10" before "9".
// A batch then ended at an event that was not its greatest, its checkpoint skipped the
// events sorted after it and re-read others (lost and doubled updates in every read model).
const FEED_SQL = `
SELECT e.position::text AS position, e.tx::text::bigint::text AS tx, e.stream_id, e.version,
  e.type, e.payload
FROM events e
WHERE (e.tx, e.position) > ($1::bigint::text::xid8, $2::bigint)
  AND e.tx < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY e.tx, e.position LIMIT $3`;

// The outbox in the feed's order, with the same transaction guard (a row whose transaction
// may still commit behind it is not read yet), joined to its event for the payload.
const OUTBOX_SQL = `
SELECT e.position::text AS position, o.tx::text::bigint::text AS tx, e.stream_id, e.version,
  e.type, e.payload
FROM outbox o JOIN events e ON e.position = o.position
WHERE (o.tx, o.position) > ($1::bigint::text::xid8, $2::bigint)
  AND o.tx < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY o.tx, o.position LIMIT $3`;

interface EventRow {
  position: string;
  tx: string;
  stream_id: string;
  version: number;
  type: string;
  payload: StoredEvent["payload"];
}

const toEvent = (r: EventRow): StoredEvent => ({
  position: Number(r.position),
  tx: Number(r.tx),
  stream: r.stream_id,
  version: r.version,
  type: r.type,
  payload: r.payload,
});

/** Read the feed after `from` (at most `max` events) on a connection. */
export async function readFeed(
  c: pg.Client,
  from: Checkpoint,
  max: number,
): Promise<StoredEvent[]> {
  const { rows } = await c.query<EventRow>({
    name: "feed",
    text: FEED_SQL,
    values: [from.tx, from.position, max],
  });
  return rows.map(toEvent);
}

/** Read the outbox after `from` (at most `max` events) on a connection. */
export async function readOutbox(
  c: pg.Client,
  from: Checkpoint,
  max: number,
): Promise<StoredEvent[]> {
  const { rows } = await c.query<EventRow>({
    name: "outbox",
    text: OUTBOX_SQL,
    values: [from.tx, from.position, max],
  });
  return rows.map(toEvent);
}

/**
 * Append events to a stream at `expected` (in the caller's transaction, or alone), with their
 * outbox rows in the same statement.
 */
export async function append(
  c: pg.Client,
  stream: string,
  expected: number,
  events: readonly NewEvent[],
): Promise<Appended> {
  try {
    const { rows } = await c.query<{ position: string; tx: string }>({
      name: "append",
      text: `WITH ins AS (
               INSERT INTO events (stream_id, version, type, payload)
               SELECT $1, $2 + ord, t, p FROM unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS u(t, p, ord)
               RETURNING position, tx),
             ob AS (INSERT INTO outbox (tx, position) SELECT tx, position FROM ins)
             SELECT position::text, tx::text::bigint::text AS tx FROM ins ORDER BY position`,
      values: [stream, expected, events.map((e) => e.type), events.map((e) => e.payload)],
    });
    return {
      tx: Number(rows[0].tx),
      positions: rows.map((r: { position: string }) => Number(r.position)),
      version: expected + events.length,
    };
  } catch (err) {
    if ((err as { code?: string }).code === "23505") {
      throw new ConcurrencyConflict(stream, expected);
    }
    throw err;
  }
}

/** A stream's events after `fromVersion`, in version order. */
export async function readStream(c: pg.Client, stream: string, fromVersion = 0) {
  return (await c.query<{ version: number; type: string; payload: StoredEvent["payload"] }>({
    name: "stream",
    text:
      "SELECT version, type, payload FROM events WHERE stream_id = $1 AND version > $2 ORDER BY version",
    values: [stream, fromVersion],
  })).rows;
}

/** Run `body` in one transaction on `c` (rolled back when it throws). */
export async function tx<T>(c: pg.Client, body: () => Promise<T>): Promise<T> {
  await c.query("BEGIN");
  try {
    const out = await body();
    await c.query("COMMIT");
    return out;
  } catch (err) {
    await c.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

/** A line asked for more units than the product has left. */
export class OutOfStock extends Error {}

/** Take (sign 1) or give back (sign -1) the lines' stock, in product order; throws OutOfStock. */
export async function moveStock(c: pg.Client, lines: readonly Line[], sign: 1 | -1) {
  for (const l of [...lines].sort((a, b) => a.product - b.product)) {
    const r = await c.query({
      name: sign > 0 ? "take" : "give",
      text: sign > 0
        ? "UPDATE products SET stock = stock - $2, sold = sold + $2 WHERE id = $1 AND stock >= $2"
        : "UPDATE products SET stock = stock + $2, sold = sold - $2 WHERE id = $1",
      values: [l.product, l.quantity],
    });
    if (r.rowCount !== 1) throw new OutOfStock();
  }
}
