/**
 * PostgreSQL's saga services (part of the binding in ./postgres.ts): the orchestrator's log,
 * orders on the event store, inventory holds, a payment gateway's idempotency-keyed store and
 * shipping, each in its own tables, plus the single-transaction checkout they are set beside
 * and the final state the saga checker judges.
 *
 * @module
 */

import type pg from "pg";
import type { Line } from "./domain.ts";
import {
  ConcurrencyConflict,
  type SagaSession,
  type SagaState,
  type SagaStores,
} from "./binding.ts";
import { append, moveStock, OutOfStock, readStream, tx } from "./postgres_store.ts";

const FINAL_STEPS = ["completed", "compensated"];

/** One connection to the saga's services; every call is idempotent by its key. */
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

/**
 * The saga's service stores on one server: `admin` is the shared admin connection, `connect`
 * opens a session's own.
 */
export function postgresSagaStores(
  admin: () => Promise<pg.Client>,
  connect: () => Promise<pg.Client>,
): SagaStores {
  return {
    async reset() {
      const c = await admin();
      await c.query(
        "TRUNCATE saga_log, inv_holds, gw_payments, shipments, acid_orders; UPDATE products SET stock = initial_stock, sold = 0",
      );
      await c.query("DELETE FROM events WHERE stream_id LIKE 'saga-order-%'");
    },
    session: async () => new PgSagaSession(await connect()),
    async state(): Promise<SagaState> {
      const c = await admin();
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
}
