/**
 * The OLTP session of ./postgres.ts through porsager's `postgres` client (postgres.js) rather
 * than node-postgres: the same statements in the same order and round trips (BEGIN at the
 * level, the cart, one guarded update per line, order, lines, payment, COMMIT), prepared
 * implicitly by the client. The calibration runs it beside node-postgres to see which client
 * costs less CPU per transaction on the same cores as the server.
 *
 * @module
 */

import postgres from "postgres";
import type { EngineNode } from "../../engines/mod.ts";
import type { CheckoutOutcome, Isolation, OltpSession } from "./binding.ts";

/** Name of the client in the calibration rows. */
export const POSTGRESJS = "postgres.js";

const OUT_OF_STOCK = Symbol("out of stock");

/** One connection (a postgres.js pool of one) running the checkout and status read. */
export function postgresJsSession(node: EngineNode, isolation: Isolation): Promise<OltpSession> {
  const sql = postgres(node.url, { max: 1, prepare: true, onnotice: () => {} });
  const begin = `isolation level ${isolation}`;
  const session: OltpSession = {
    async checkout(cartId: number, customerId: number): Promise<CheckoutOutcome> {
      try {
        await sql.begin(begin, async (tx) => {
          const lines = await tx<{ product_id: number; quantity: number; price_cents: number }[]>`
            SELECT product_id, quantity, price_cents FROM cart_lines WHERE cart_id = ${cartId}
            ORDER BY product_id`;
          let total = 0;
          let items = 0;
          for (const l of lines) {
            const updated = await tx`UPDATE products SET stock = stock - ${l.quantity},
              sold = sold + ${l.quantity} WHERE id = ${l.product_id} AND stock >= ${l.quantity}`;
            if (updated.count !== 1) throw OUT_OF_STOCK;
            total += l.quantity * l.price_cents;
            items += l.quantity;
          }
          const [order] = await tx<{ id: string }[]>`
            INSERT INTO orders (customer_id, status, total_cents, item_count, created_at, source)
            VALUES (${customerId}, 'paid', ${total}, ${items}, now(), 'bench') RETURNING id`;
          const rows = lines.map((l, i) => ({
            order_id: order.id,
            line_no: i + 1,
            product_id: l.product_id,
            quantity: l.quantity,
            price_cents: l.price_cents,
          }));
          await tx`INSERT INTO order_lines ${
            tx(rows, "order_id", "line_no", "product_id", "quantity", "price_cents")
          }`;
          await tx`INSERT INTO payments (order_id, amount_cents, status, created_at)
            VALUES (${order.id}, ${total}, 'captured', now())`;
        });
        return "committed";
      } catch (err) {
        if (err === OUT_OF_STOCK) return "out_of_stock";
        throw err;
      }
    },
    async orderStatus(orderId: number) {
      await sql`SELECT o.status, o.total_cents, count(*) AS lines FROM orders o
        JOIN order_lines l ON l.order_id = o.id WHERE o.id = ${orderId}
        GROUP BY o.id, o.status, o.total_cents`;
    },
    close: () => sql.end({ timeout: 1 }),
  };
  return Promise.resolve(session);
}
