/**
 * PostgreSQL's read side (part of the binding in ./postgres.ts): the order-status and sales
 * read models, each moving its checkpoint in the same transaction as its rows, the two
 * feeds read from the store itself (polled, or woken by LISTEN/NOTIFY), and the outbox as the
 * relay reads it.
 *
 * @module
 */

import type pg from "pg";
import { sleep } from "../../engines/runtime/net.ts";
import {
  after,
  type Checkpoint,
  ORIGIN,
  type ReadModel,
  statusAfter,
  type StoredEvent,
} from "./domain.ts";
import type { FeedSource, Outbox, ProjectionSink, StoreFeed } from "./binding.ts";
import { readFeed, readOutbox, tx } from "./postgres_store.ts";

/** The relay's checkpoint row. */
export const OUTBOX_CHECKPOINT = "outbox_relay";

/** The outbox, polled; the relay's checkpoint and the deletion of its rows in one transaction. */
export class PgOutbox implements Outbox {
  #closed = false;

  constructor(private readonly c: pg.Client, private readonly pollMs: number) {}

  async next(from: Checkpoint, max: number): Promise<StoredEvent[]> {
    const events = await readOutbox(this.c, from, max);
    if (events.length === 0) await sleep(this.pollMs);
    return events;
  }

  async get(): Promise<Checkpoint> {
    const { rows: [r] } = await this.c.query<{ tx: string; position: string }>(
      "SELECT tx::text, position::text FROM checkpoints WHERE name = $1",
      [OUTBOX_CHECKPOINT],
    );
    return r ? { tx: Number(r.tx), position: Number(r.position) } : ORIGIN;
  }

  async set(cp: Checkpoint) {
    await tx(this.c, async () => {
      await this.c.query({
        name: "outbox_done",
        text: "DELETE FROM outbox WHERE (tx, position) <= ($1::bigint::text::xid8, $2::bigint)",
        values: [cp.tx, cp.position],
      });
      await this.c.query({
        name: "outbox_cp",
        text: `INSERT INTO checkpoints (name, tx, position) VALUES ($1, $2, $3)
               ON CONFLICT (name) DO UPDATE SET tx = EXCLUDED.tx, position = EXCLUDED.position`,
        values: [OUTBOX_CHECKPOINT, cp.tx, cp.position],
      });
    });
  }

  /** Closes once (the relay holds it as both its source and its checkpoint). */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    await this.c.end();
  }
}

/** A projection held in PostgreSQL, its checkpoint in the same transaction as its rows. */
export class PgSink implements ProjectionSink {
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
export class StoreSource implements FeedSource {
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
