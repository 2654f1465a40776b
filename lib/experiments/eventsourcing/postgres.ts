/**
 * PostgreSQL's binding: the event store (one append-only table; the global position is an
 * identity column, the appending transaction's xid8 beside it so feeds read in commit-safe
 * order), the CRUD tables of the same operations, the order-status and sales read models with
 * their checkpoints, both store-side feeds, snapshots, and the saga's service tables.
 *
 * Why (tx, position) and not position alone: identities are handed out before commit, so a
 * reader that trusts `position > last` skips an event whose transaction commits after a later
 * one's. The feed reads only transactions older than the oldest still running
 * (`pg_snapshot_xmin`), in (xid, position) order, and a checkpoint is that pair.
 *
 * @module
 */

import type pg from "pg";
import { connectPostgres } from "../../engines/postgres/client.ts";
import type { EngineNode } from "../../engines/mod.ts";
import { sleep } from "../../engines/runtime/net.ts";
import {
  after,
  type Checkpoint,
  eventsFor,
  foldOrder,
  type Line,
  type NewEvent,
  orderStream,
  ORIGIN,
  type ProjectionName,
  type ReadModel,
  statusAfter,
  type StoredEvent,
} from "./domain.ts";
import {
  type Appended,
  type CommandResult,
  ConcurrencyConflict,
  type EsBinding,
  type EventStoreAdmin,
  type FeedSource,
  type Footprint,
  type OrderSession,
  type ProjectionSink,
  type SagaSession,
  type SagaState,
  type SagaStores,
  type StoreFeed,
  type StoreMode,
} from "./binding.ts";

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

const SCHEMA = `
CREATE TABLE products (id int PRIMARY KEY, price_cents int NOT NULL, initial_stock int NOT NULL,
  stock int NOT NULL, sold int NOT NULL DEFAULT 0);
CREATE TABLE events (
  position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
  stream_id text NOT NULL, version int NOT NULL, type text NOT NULL, payload jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, version));
CREATE INDEX events_feed ON events (tx, position);
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

const RESET = `
TRUNCATE events, snapshots, crud_orders, crud_order_lines, crud_payments, order_view,
  product_sales, checkpoints, saga_log, inv_holds, gw_payments, shipments, acid_orders
  RESTART IDENTITY;
UPDATE products SET stock = initial_stock, sold = 0;
`;

const FEED_SQL = `
SELECT position::text, tx::text::bigint::text AS tx, stream_id, version, type, payload FROM events
WHERE (tx, position) > ($1::bigint::text::xid8, $2::bigint)
  AND tx < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY tx, position LIMIT $3`;

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
async function readFeed(c: pg.Client, from: Checkpoint, max: number): Promise<StoredEvent[]> {
  const { rows } = await c.query<EventRow>({
    name: "feed",
    text: FEED_SQL,
    values: [from.tx, from.position, max],
  });
  return rows.map(toEvent);
}

/** Append events to a stream at `expected` (in the caller's transaction, or alone). */
async function append(
  c: pg.Client,
  stream: string,
  expected: number,
  events: readonly NewEvent[],
): Promise<Appended> {
  try {
    const { rows } = await c.query<{ position: string; tx: string }>({
      name: "append",
      text: `INSERT INTO events (stream_id, version, type, payload)
             SELECT $1, $2 + ord, t, p FROM unnest($3::text[], $4::jsonb[]) WITH ORDINALITY AS u(t, p, ord)
             RETURNING position::text, tx::text::bigint::text AS tx`,
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

async function readStream(c: pg.Client, stream: string, fromVersion = 0) {
  return (await c.query<{ version: number; type: string; payload: StoredEvent["payload"] }>({
    name: "stream",
    text:
      "SELECT version, type, payload FROM events WHERE stream_id = $1 AND version > $2 ORDER BY version",
    values: [stream, fromVersion],
  })).rows;
}

async function tx<T>(c: pg.Client, body: () => Promise<T>): Promise<T> {
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

class OutOfStock extends Error {}

/** Take (sign 1) or give back (sign -1) the lines' stock, in product order; throws OutOfStock. */
async function moveStock(c: pg.Client, lines: readonly Line[], sign: 1 | -1) {
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

const MAX_CONFLICT_RETRIES = 50;

/** The event-sourced order lifecycle: load the stream, decide, append at its version. */
class EventSession implements OrderSession {
  constructor(private readonly c: pg.Client) {}

  async place(order: number, customer: number, lines: Line[]): Promise<CommandResult> {
    try {
      const appended = await tx(this.c, async () => {
        await moveStock(this.c, lines, 1);
        const s = foldOrder(order, []);
        return await append(
          this.c,
          orderStream(order),
          0,
          eventsFor("place", s, { order, customer, lines }),
        );
      });
      return { ok: true, appended, conflicts: 0 };
    } catch (err) {
      if (err instanceof OutOfStock) return { ok: false, conflicts: 0 };
      throw err;
    }
  }

  /** Load, check the state, append at the loaded version; reload and retry on a conflict. */
  private async command(
    order: number,
    command: "pay" | "ship" | "cancel",
    allowed: readonly string[],
  ): Promise<CommandResult> {
    for (let conflicts = 0;; conflicts++) {
      try {
        const result = await tx(this.c, async () => {
          const s = foldOrder(order, await readStream(this.c, orderStream(order)));
          if (!allowed.includes(s.status)) return undefined;
          const appended = await append(
            this.c,
            orderStream(order),
            s.version,
            eventsFor(command, s),
          );
          if (command === "cancel") await moveStock(this.c, s.lines, -1);
          return appended;
        });
        return { ok: result !== undefined, appended: result, conflicts };
      } catch (err) {
        if (!(err instanceof ConcurrencyConflict) || conflicts >= MAX_CONFLICT_RETRIES) throw err;
      }
    }
  }

  pay = (order: number) => this.command(order, "pay", ["reserved"]);
  ship = (order: number) => this.command(order, "ship", ["paid"]);
  cancel = (order: number) => this.command(order, "cancel", ["reserved", "paid"]);

  async load(order: number) {
    return foldOrder(order, await readStream(this.c, orderStream(order)));
  }

  /** The product's stock as a stream: its head holds the units left. */
  async takeUnit(product: number): Promise<CommandResult> {
    const stream = `stock-${product}`;
    for (let conflicts = 0;; conflicts++) {
      const { rows: [head] } = await this.c.query<{ version: number; left: number }>({
        name: "stock_head",
        text: `SELECT version, (payload->>'left')::int AS left FROM events
               WHERE stream_id = $1 ORDER BY version DESC LIMIT 1`,
        values: [stream],
      });
      const version = head?.version ?? 0;
      const left = head ? head.left : 1_000_000_000;
      if (left <= 0) return { ok: false, conflicts };
      try {
        const appended = await append(this.c, stream, version, [
          { type: "UnitTaken", payload: { product, left: left - 1 } },
        ]);
        return { ok: true, appended, conflicts };
      } catch (err) {
        if (!(err instanceof ConcurrencyConflict) || conflicts >= MAX_CONFLICT_RETRIES) throw err;
      }
    }
  }

  close = () => this.c.end();
}

/** The same lifecycle as rows updated in place (notebook 01's checkout, one row per order). */
class CrudSession implements OrderSession {
  constructor(private readonly c: pg.Client) {}

  async place(order: number, customer: number, lines: Line[]): Promise<CommandResult> {
    try {
      await tx(this.c, async () => {
        await moveStock(this.c, lines, 1);
        const total = lines.reduce((t, l) => t + l.quantity * l.priceCents, 0);
        await this.c.query({
          name: "crud_order",
          text: `INSERT INTO crud_orders (id, customer, status, total_cents, version, updated_at)
                 VALUES ($1, $2, 'reserved', $3, 2, now())`,
          values: [order, customer, total],
        });
        await this.c.query({
          name: "crud_lines",
          text: `INSERT INTO crud_order_lines (order_id, line_no, product_id, quantity, price_cents)
                 SELECT $1, ord, p, q, c FROM unnest($2::int[], $3::int[], $4::int[]) WITH ORDINALITY AS u(p, q, c, ord)`,
          values: [
            order,
            lines.map((l) => l.product),
            lines.map((l) => l.quantity),
            lines.map((l) => l.priceCents),
          ],
        });
      });
      return { ok: true, conflicts: 0 };
    } catch (err) {
      if (err instanceof OutOfStock) return { ok: false, conflicts: 0 };
      throw err;
    }
  }

  async pay(order: number): Promise<CommandResult> {
    const ok = await tx(this.c, async () => {
      const r = await this.c.query<{ total_cents: string }>({
        name: "crud_pay",
        text: `UPDATE crud_orders SET status = 'paid', version = version + 1, updated_at = now()
               WHERE id = $1 AND status = 'reserved' RETURNING total_cents`,
        values: [order],
      });
      if (r.rowCount !== 1) return false;
      await this.c.query({
        name: "crud_payment",
        text:
          "INSERT INTO crud_payments (order_id, amount_cents, status, created_at) VALUES ($1, $2, 'captured', now())",
        values: [order, r.rows[0].total_cents],
      });
      return true;
    });
    return { ok, conflicts: 0 };
  }

  async ship(order: number): Promise<CommandResult> {
    const r = await this.c.query({
      name: "crud_ship",
      text: `UPDATE crud_orders SET status = 'shipped', version = version + 1, updated_at = now()
             WHERE id = $1 AND status = 'paid'`,
      values: [order],
    });
    return { ok: r.rowCount === 1, conflicts: 0 };
  }

  async cancel(order: number): Promise<CommandResult> {
    const ok = await tx(this.c, async () => {
      const r = await this.c.query({
        name: "crud_cancel",
        text:
          `UPDATE crud_orders SET status = 'cancelled', version = version + 1, updated_at = now()
               WHERE id = $1 AND status IN ('reserved', 'paid')`,
        values: [order],
      });
      if (r.rowCount !== 1) return false;
      const { rows } = await this.c.query<{ product: number; quantity: number }>({
        name: "crud_lines_of",
        text: "SELECT product_id AS product, quantity FROM crud_order_lines WHERE order_id = $1",
        values: [order],
      });
      await moveStock(
        this.c,
        rows.map((l: { product: number; quantity: number }) => ({ ...l, priceCents: 0 })),
        -1,
      );
      await this.c.query({
        name: "crud_refund",
        text: "UPDATE crud_payments SET status = 'refunded' WHERE order_id = $1",
        values: [order],
      });
      return true;
    });
    return { ok, conflicts: 0 };
  }

  async load(order: number) {
    const { rows: [r] } = await this.c.query<
      { customer: number; status: string; total_cents: string; version: number }
    >({
      name: "crud_status",
      text: "SELECT customer, status, total_cents, version FROM crud_orders WHERE id = $1",
      values: [order],
    });
    const s = foldOrder(order, []);
    if (r) {
      Object.assign(s, {
        customer: r.customer,
        status: r.status,
        totalCents: Number(r.total_cents),
        version: r.version,
      });
    }
    return s;
  }

  async takeUnit(product: number): Promise<CommandResult> {
    const r = await this.c.query({
      name: "crud_take",
      text: "UPDATE products SET stock = stock - 1, sold = sold + 1 WHERE id = $1 AND stock >= 1",
      values: [product],
    });
    return { ok: r.rowCount === 1, conflicts: 0 };
  }

  close = () => this.c.end();
}

/** A projection held in PostgreSQL, its checkpoint in the same transaction as its rows. */
class PgSink implements ProjectionSink {
  constructor(readonly projection: "order_status" | "sales", private readonly c: pg.Client) {}

  async reset() {
    await this.c.query(
      this.projection === "order_status" ? "TRUNCATE order_view" : "TRUNCATE product_sales",
    );
    await this.c.query("DELETE FROM checkpoints WHERE name = $1", [this.projection]);
  }

  async checkpoint(): Promise<Checkpoint> {
    const { rows: [r] } = await this.c.query<{ tx: string; position: string }>(
      "SELECT tx::text, position::text FROM checkpoints WHERE name = $1",
      [this.projection],
    );
    return r ? { tx: Number(r.tx), position: Number(r.position) } : ORIGIN;
  }

  async apply(events: readonly StoredEvent[]): Promise<number> {
    return await tx(this.c, async () => {
      const { rows: [r] } = await this.c.query<{ tx: string; position: string }>({
        name: "cp_lock",
        text: "SELECT tx::text, position::text FROM checkpoints WHERE name = $1 FOR UPDATE",
        values: [this.projection],
      });
      const cp = r ? { tx: Number(r.tx), position: Number(r.position) } : ORIGIN;
      const fresh = events.filter((e) => after(e, cp));
      if (fresh.length === 0) return 0;
      if (this.projection === "order_status") await this.applyStatus(fresh);
      else await this.applySales(fresh);
      const last = fresh[fresh.length - 1];
      await this.c.query({
        name: "cp_set",
        text: `INSERT INTO checkpoints (name, tx, position) VALUES ($1, $2, $3)
               ON CONFLICT (name) DO UPDATE SET tx = EXCLUDED.tx, position = EXCLUDED.position`,
        values: [this.projection, last.tx, last.position],
      });
      return fresh.length;
    });
  }

  private async applyStatus(events: readonly StoredEvent[]) {
    const latest = new Map<
      number,
      { customer: number | null; status: string; version: number; total: number | null }
    >();
    for (const e of events) {
      if (!e.stream.startsWith("order-")) continue;
      const prev = latest.get(e.payload.order);
      latest.set(e.payload.order, {
        customer: e.type === "OrderPlaced" ? e.payload.customer : prev?.customer ?? null,
        total: e.type === "OrderPlaced" ? e.payload.amountCents ?? 0 : prev?.total ?? null,
        status: statusAfter(e.type),
        version: e.version,
      });
    }
    if (latest.size === 0) return;
    const v = [...latest.entries()];
    await this.c.query({
      name: "view_upsert",
      text: `INSERT INTO order_view (order_id, customer, status, version, total_cents)
             SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::int[], $5::bigint[])
             ON CONFLICT (order_id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version,
               customer = coalesce(order_view.customer, EXCLUDED.customer),
               total_cents = coalesce(order_view.total_cents, EXCLUDED.total_cents)
             WHERE order_view.version < EXCLUDED.version`,
      values: [
        v.map(([k]) => k),
        v.map(([, x]) => x.customer),
        v.map(([, x]) => x.status),
        v.map(([, x]) => x.version),
        v.map(([, x]) => x.total),
      ],
    });
  }

  private async applySales(events: readonly StoredEvent[]) {
    const delta = new Map<number, number>();
    for (const e of events) {
      const sign = e.type === "StockReserved" ? 1 : e.type === "OrderCancelled" ? -1 : 0;
      if (sign === 0) continue;
      for (const l of e.payload.lines ?? []) {
        delta.set(l.product, (delta.get(l.product) ?? 0) + sign * l.quantity);
      }
    }
    if (delta.size === 0) return;
    await this.c.query({
      name: "sales_upsert",
      text:
        `INSERT INTO product_sales (product_id, units) SELECT * FROM unnest($1::int[], $2::bigint[])
             ON CONFLICT (product_id) DO UPDATE SET units = product_sales.units + EXCLUDED.units`,
      values: [[...delta.keys()], [...delta.values()]],
    });
  }

  async dump(): Promise<ReadModel> {
    if (this.projection === "order_status") {
      const { rows } = await this.c.query<{ k: string; v: string }>(
        "SELECT order_id::text AS k, status || '@' || version AS v FROM order_view",
      );
      return new Map(rows.map((r: { k: string; v: string }) => [r.k, r.v]));
    }
    const { rows } = await this.c.query<{ k: string; v: string }>(
      "SELECT product_id::text AS k, units::text AS v FROM product_sales",
    );
    return new Map(rows.map((r: { k: string; v: string }) => [r.k, r.v]));
  }

  close = () => this.c.end();
}

/** The feed read from the store: polled, or woken by NOTIFY (with a fallback poll). */
class StoreSource implements FeedSource {
  #wake: (() => void) | undefined;
  #pending = false;

  constructor(
    private readonly c: pg.Client,
    private readonly feed: StoreFeed,
    private readonly waitMs: number,
  ) {
    if (feed === "notify") {
      c.on("notification", () => {
        this.#pending = true;
        this.#wake?.();
      });
    }
  }

  async next(from: Checkpoint, max: number): Promise<StoredEvent[]> {
    this.#pending = false;
    const events = await readFeed(this.c, from, max);
    if (events.length > 0) return events;
    if (this.feed === "poll") await sleep(this.waitMs);
    else if (!this.#pending) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.waitMs);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    return [];
  }

  close = () => this.c.end();
}

const FINAL_STEPS = ["completed", "compensated"];

class PgSagaSession implements SagaSession {
  constructor(private readonly c: pg.Client) {}

  async log(saga: number, step: string, detail = "") {
    await this.c.query({
      name: "saga_log",
      text: "INSERT INTO saga_log (saga, step, detail) VALUES ($1, $2, $3)",
      values: [saga, step, detail],
    });
  }

  async open() {
    const { rows } = await this.c.query<{ saga: string; step: string }>(
      `SELECT DISTINCT ON (saga) saga::text, step FROM saga_log ORDER BY saga, seq DESC`,
    );
    return rows.filter((r: { step: string }) => !FINAL_STEPS.includes(r.step)).map((
      r: { saga: string; step: string },
    ) => ({
      saga: Number(r.saga),
      step: r.step,
    }));
  }

  async order(saga: number, event: "placed" | "cancelled" | "shipped", lines: Line[]) {
    const type =
      { placed: "OrderPlaced", cancelled: "OrderCancelled", shipped: "OrderShipped" }[event];
    const stream = `saga-order-${saga}`;
    // Idempotent: an event type appears at most once in the order's stream.
    const rows = await readStream(this.c, stream);
    if (rows.some((r: { type: string }) => r.type === type)) return;
    const total = lines.reduce((t, l) => t + l.quantity * l.priceCents, 0);
    try {
      await append(this.c, stream, rows.length, [{
        type,
        payload: { order: saga, customer: 0, lines, amountCents: total },
      }]);
    } catch (err) {
      if (!(err instanceof ConcurrencyConflict)) throw err;
      await this.order(saga, event, lines);
    }
  }

  async reserve(saga: number, lines: Line[]) {
    try {
      return await tx(this.c, async () => {
        const { rowCount } = await this.c.query("SELECT 1 FROM inv_holds WHERE saga = $1", [saga]);
        if (rowCount) return true; // already held (a retried step)
        await moveStock(this.c, lines, 1);
        await this.c.query(
          `INSERT INTO inv_holds (saga, product_id, quantity, state)
           SELECT $1, p, q, 'held' FROM unnest($2::int[], $3::int[]) AS u(p, q)`,
          [saga, lines.map((l) => l.product), lines.map((l) => l.quantity)],
        );
        // Held units leave `stock` but are not `sold` until the hold is committed.
        await this.c.query(
          `UPDATE products p SET sold = p.sold - h.quantity FROM inv_holds h
           WHERE h.saga = $1 AND h.product_id = p.id`,
          [saga],
        );
        return true;
      });
    } catch (err) {
      if (err instanceof OutOfStock) return false;
      throw err;
    }
  }

  async release(saga: number) {
    await tx(this.c, async () => {
      const { rows } = await this.c.query<{ product_id: number; quantity: number }>(
        "UPDATE inv_holds SET state = 'released' WHERE saga = $1 AND state = 'held' RETURNING product_id, quantity",
        [saga],
      );
      for (const r of rows) {
        await this.c.query("UPDATE products SET stock = stock + $2 WHERE id = $1", [
          r.product_id,
          r.quantity,
        ]);
      }
    });
  }

  async commitHold(saga: number) {
    await tx(this.c, async () => {
      const { rows } = await this.c.query<{ product_id: number; quantity: number }>(
        "UPDATE inv_holds SET state = 'sold' WHERE saga = $1 AND state = 'held' RETURNING product_id, quantity",
        [saga],
      );
      for (const r of rows) {
        await this.c.query("UPDATE products SET sold = sold + $2 WHERE id = $1", [
          r.product_id,
          r.quantity,
        ]);
      }
    });
  }

  async capture(key: string, saga: number, amountCents: number, answer?: "captured" | "declined") {
    // The gateway's own store: the first request with a key decides; repeats return it.
    const { rows } = await this.c.query<{ answer: "captured" | "declined" }>(
      `INSERT INTO gw_payments (idem_key, saga, amount_cents, answer) VALUES ($1, $2, $3, $4)
       ON CONFLICT (idem_key) DO UPDATE SET idem_key = EXCLUDED.idem_key RETURNING answer`,
      [key, saga, amountCents, answer ?? "captured"],
    );
    return rows[0].answer;
  }

  async refund(key: string) {
    await this.c.query(
      "UPDATE gw_payments SET refunded = true WHERE idem_key = $1 AND answer = 'captured'",
      [key],
    );
  }

  async ship(saga: number) {
    await this.c.query("INSERT INTO shipments (saga) VALUES ($1) ON CONFLICT DO NOTHING", [saga]);
  }

  async acidCheckout(order: number, lines: Line[], declined: boolean) {
    try {
      return await tx(this.c, async () => {
        await moveStock(this.c, lines, 1);
        if (declined) throw new Declined();
        const total = lines.reduce((t, l) => t + l.quantity * l.priceCents, 0);
        await this.c.query(
          "INSERT INTO acid_orders (id, status, total_cents) VALUES ($1, 'paid', $2)",
          [order, total],
        );
        return "completed" as const;
      });
    } catch (err) {
      if (err instanceof OutOfStock) return "out_of_stock" as const;
      if (err instanceof Declined) return "declined" as const;
      throw err;
    }
  }

  close = () => this.c.end();
}

class Declined extends Error {}

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
    async checkpointStore(name: string) {
      const c = await connect();
      return {
        async get() {
          const { rows: [r] } = await c.query<{ tx: string; position: string }>(
            "SELECT tx::text, position::text FROM checkpoints WHERE name = $1",
            [name],
          );
          return r ? { tx: Number(r.tx), position: Number(r.position) } : ORIGIN;
        },
        async set(cp: Checkpoint) {
          await c.query(
            `INSERT INTO checkpoints (name, tx, position) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET tx = EXCLUDED.tx, position = EXCLUDED.position`,
            [name, cp.tx, cp.position],
          );
        },
        close: () => c.end(),
      };
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
        `SELECT count(*)::text AS n,
                (SELECT tx::text::bigint::text FROM events ORDER BY tx DESC, position DESC LIMIT 1) AS tx,
                (SELECT position::text FROM events ORDER BY tx DESC, position DESC LIMIT 1) AS position
         FROM events`,
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
      return {
        async reset() {
          const c = await a();
          await c.query(
            "TRUNCATE saga_log, inv_holds, gw_payments, shipments, acid_orders; UPDATE products SET stock = initial_stock, sold = 0",
          );
          await c.query("DELETE FROM events WHERE stream_id LIKE 'saga-order-%'");
        },
        session: async () => new PgSagaSession(await connect()),
        async state(): Promise<SagaState> {
          const c = await a();
          const products = (await c.query<
            { id: number; initial: number; stock: number; held: string; sold: number }
          >(
            `SELECT p.id, p.initial_stock AS initial, p.stock, p.sold,
                    coalesce((SELECT sum(quantity) FROM inv_holds h WHERE h.product_id = p.id AND h.state = 'held'), 0)::text AS held
             FROM products p ORDER BY p.id`,
          )).rows.map((
            r: { id: number; initial: number; stock: number; held: string; sold: number },
          ) => ({
            ...r,
            held: Number(r.held),
          }));
          const sagas = (await c.query<
            {
              saga: string;
              status: string;
              held: string;
              captures: string;
              refunds: string;
              shipped: boolean;
              outcome: string;
              start_ms: string;
              end_ms: string;
            }
          >(
            `WITH s AS (SELECT saga, min(at) AS t0, max(at) AS t1 FROM saga_log GROUP BY saga)
             SELECT s.saga::text,
               (SELECT step FROM saga_log l WHERE l.saga = s.saga ORDER BY seq DESC LIMIT 1) AS outcome,
               (extract(epoch FROM s.t0) * 1000)::text AS start_ms, (extract(epoch FROM s.t1) * 1000)::text AS end_ms,
               coalesce((SELECT CASE WHEN bool_or(type = 'OrderCancelled') THEN 'cancelled'
                                     WHEN bool_or(type = 'OrderShipped') THEN 'shipped'
                                     WHEN bool_or(type = 'OrderPlaced') THEN 'placed' END
                         FROM events WHERE stream_id = 'saga-order-' || s.saga), 'none') AS status,
               coalesce((SELECT sum(quantity) FROM inv_holds h WHERE h.saga = s.saga AND h.state = 'held'), 0)::text AS held,
               (SELECT count(*) FROM gw_payments g WHERE g.saga = s.saga AND g.answer = 'captured')::text AS captures,
               (SELECT count(*) FROM gw_payments g WHERE g.saga = s.saga AND g.refunded)::text AS refunds,
               EXISTS (SELECT 1 FROM shipments x WHERE x.saga = s.saga) AS shipped
             FROM s ORDER BY s.saga`,
          )).rows;
          return {
            products,
            sagas: sagas.map((
              r: {
                saga: string;
                status: string;
                held: string;
                captures: string;
                refunds: string;
                shipped: boolean;
                outcome: string;
                start_ms: string;
                end_ms: string;
              },
            ) => ({
              saga: Number(r.saga),
              outcome: FINAL_STEPS.includes(r.outcome)
                ? r.outcome as "completed" | "compensated"
                : "open" as const,
              startMs: Number(r.start_ms),
              endMs: Number(r.end_ms),
              orderStatus: r.status,
              held: Number(r.held),
              captures: Number(r.captures),
              refunds: Number(r.refunds),
              shipped: r.shipped,
            })),
          };
        },
      };
    },
    async close() {
      await admin?.end();
      admin = undefined;
    },
  };
}
