/**
 * PostgreSQL's order sessions (part of the binding in ./postgres.ts): the order lifecycle as
 * events appended at the loaded stream version, and the same lifecycle as rows updated in
 * place (notebook 01's checkout), on one connection each.
 *
 * @module
 */

import type pg from "pg";
import { eventsFor, foldOrder, type Line, orderStream } from "./domain.ts";
import { type CommandResult, ConcurrencyConflict, type OrderSession } from "./binding.ts";
import { append, moveStock, OutOfStock, readStream, tx } from "./postgres_store.ts";

const MAX_CONFLICT_RETRIES = 50;

/** The event-sourced order lifecycle: load the stream, decide, append at its version. */
export class EventSession implements OrderSession {
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
export class CrudSession implements OrderSession {
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
