/**
 * MariaDB's OLTP binding: the store in MariaDB's dialect — multi-row INSERT batches for
 * loading, InnoDB tables, `UPDATE ... WHERE stock >= q` (affected rows tell whether stock
 * sufficed).
 *
 * @module
 */

import type mysql from "mysql2/promise";
import { connectMariadb, insertIntoMariadb } from "../../engines/mariadb/client.ts";
import type { EngineNode } from "../../engines/mod.ts";
import type { Catalog } from "../../workload/generate.ts";
import type { StockSnapshot } from "../../checks/stock.ts";
import {
  type CheckoutOutcome,
  type Isolation,
  ISOLATION_LEVELS,
  type OltpBinding,
  type OltpSession,
  type OltpStore,
  oltpTables,
  toSnapshot,
} from "./binding.ts";

/** MariaDB 10.11, default configuration (InnoDB, innodb_flush_log_at_trx_commit = 1). */
export const mariadbBinding: OltpBinding = {
  name: "mariadb",
  engine: "mariadb",
  isolation: ISOLATION_LEVELS,
  peers: ["sysbench"],
  peerClient: "libmariadb",
  peerDatabase: "shop",
  client: "mysql2",
  store: (engine) => mariadbStore(engine.primary),
};

const SCHEMA = `
CREATE DATABASE shop;
USE shop;
CREATE TABLE products (
  id int PRIMARY KEY, category_id int NOT NULL, name varchar(200) NOT NULL, price_cents int NOT NULL,
  initial_stock int NOT NULL, stock int NOT NULL, sold int NOT NULL DEFAULT 0) ENGINE=InnoDB;
CREATE TABLE customers (id int PRIMARY KEY, email varchar(200) NOT NULL, name varchar(200) NOT NULL,
  country char(2) NOT NULL) ENGINE=InnoDB;
CREATE TABLE carts (id int PRIMARY KEY, customer_id int NOT NULL) ENGINE=InnoDB;
CREATE TABLE cart_lines (cart_id int NOT NULL, product_id int NOT NULL, quantity int NOT NULL,
  price_cents int NOT NULL, PRIMARY KEY (cart_id, product_id)) ENGINE=InnoDB;
CREATE TABLE orders (id bigint AUTO_INCREMENT PRIMARY KEY, customer_id int NOT NULL,
  status varchar(16) NOT NULL, total_cents bigint NOT NULL, item_count int NOT NULL,
  created_at datetime(3) NOT NULL, source varchar(8) NOT NULL DEFAULT 'history',
  KEY orders_source (source)) ENGINE=InnoDB;
CREATE TABLE order_lines (order_id bigint NOT NULL, line_no int NOT NULL, product_id int NOT NULL,
  quantity int NOT NULL, price_cents int NOT NULL, PRIMARY KEY (order_id, line_no)) ENGINE=InnoDB;
CREATE TABLE payments (order_id bigint PRIMARY KEY, amount_cents bigint NOT NULL,
  status varchar(16) NOT NULL, created_at datetime(3) NOT NULL) ENGINE=InnoDB;
`;

function connect(node: EngineNode, database?: string) {
  // UTC on the wire, so datetimes mean the same on every machine.
  return connectMariadb(node, { database, timezone: "Z", dateStrings: true });
}

/** An {@link OltpStore} for MariaDB. */
export function mariadbStore(node: EngineNode): OltpStore {
  return {
    async load(catalog: Catalog, initialStock: number) {
      const t0 = performance.now();
      const c = await connect(node);
      try {
        await c.query("DROP DATABASE IF EXISTS shop");
        await c.query(SCHEMA);
        let rows = 0;
        // UTC Date objects: the connection's timezone is "Z".
        for (const t of oltpTables(catalog, initialStock, (ms) => new Date(ms))) {
          rows += await insertIntoMariadb(c, t.table, t.columns, t.rows);
        }
        await c.query("ANALYZE TABLE products, orders, order_lines, cart_lines");
        return { rows, seconds: (performance.now() - t0) / 1000 };
      } finally {
        await c.end();
      }
    },

    async reset() {
      const c = await connect(node, "shop");
      try {
        await c.query(
          `DELETE p FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.source = 'bench'`,
        );
        await c.query(
          `DELETE l FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.source = 'bench'`,
        );
        await c.query(`DELETE FROM orders WHERE source = 'bench'`);
        await c.query(`UPDATE products SET stock = initial_stock, sold = 0 WHERE sold <> 0`);
      } finally {
        await c.end();
      }
    },

    async session(isolation: Isolation): Promise<OltpSession> {
      const c = await connect(node, "shop");
      await c.query(`SET SESSION TRANSACTION ISOLATION LEVEL ${isolation.toUpperCase()}`);
      return new MariadbSession(c);
    },

    async snapshot(): Promise<StockSnapshot> {
      const c = await connect(node, "shop");
      try {
        const [products] = await c.query(`SELECT id, initial_stock, stock, sold FROM products`);
        const [lineSums] = await c.query(
          `SELECT l.product_id, sum(l.quantity) AS quantity FROM order_lines l
           JOIN orders o ON o.id = l.order_id WHERE o.source = 'bench' GROUP BY l.product_id`,
        );
        const [orders] = await c.query(
          `SELECT o.id, o.total_cents, o.item_count,
                  coalesce(sum(l.quantity * l.price_cents), 0) AS lines_total,
                  coalesce(sum(l.quantity), 0) AS lines_items, count(l.line_no) AS \`lines\`,
                  (SELECT amount_cents FROM payments p WHERE p.order_id = o.id) AS paid_cents
           FROM orders o LEFT JOIN order_lines l ON l.order_id = o.id
           WHERE o.source = 'bench' GROUP BY o.id, o.total_cents, o.item_count`,
        );
        return toSnapshot(
          products as Record<string, unknown>[],
          lineSums as Record<string, unknown>[],
          orders as Record<string, unknown>[],
        );
      } finally {
        await c.end();
      }
    },

    close: () => Promise.resolve(),
  };
}

class MariadbSession implements OltpSession {
  constructor(private readonly c: mysql.Connection) {}

  async checkout(cartId: number, customerId: number): Promise<CheckoutOutcome> {
    const c = this.c;
    await c.query("START TRANSACTION");
    try {
      const [lines] = await c.execute<mysql.RowDataPacket[]>(
        "SELECT product_id, quantity, price_cents FROM cart_lines WHERE cart_id = ? ORDER BY product_id",
        [cartId],
      );
      let total = 0;
      let items = 0;
      for (const line of lines) {
        const [res] = await c.execute<mysql.ResultSetHeader>(
          "UPDATE products SET stock = stock - ?, sold = sold + ? WHERE id = ? AND stock >= ?",
          [line.quantity, line.quantity, line.product_id, line.quantity],
        );
        if (res.affectedRows !== 1) {
          await c.query("ROLLBACK");
          return "out_of_stock";
        }
        total += line.quantity * line.price_cents;
        items += line.quantity;
      }
      const [order] = await c.execute<mysql.ResultSetHeader>(
        `INSERT INTO orders (customer_id, status, total_cents, item_count, created_at, source)
         VALUES (?, 'paid', ?, ?, now(3), 'bench')`,
        [customerId, total, items],
      );
      const values: (number | string)[] = [];
      const tuples = lines.map((l, i) => {
        values.push(order.insertId, i + 1, l.product_id, l.quantity, l.price_cents);
        return "(?, ?, ?, ?, ?)";
      });
      await c.execute(
        `INSERT INTO order_lines (order_id, line_no, product_id, quantity, price_cents) VALUES ${
          tuples.join(", ")
        }`,
        values,
      );
      await c.execute(
        "INSERT INTO payments (order_id, amount_cents, status, created_at) VALUES (?, ?, 'captured', now(3))",
        [order.insertId, total],
      );
      await c.query("COMMIT");
      return "committed";
    } catch (err) {
      await c.query("ROLLBACK").catch(() => {});
      throw err;
    }
  }

  async orderStatus(orderId: number): Promise<void> {
    await this.c.execute(
      `SELECT o.status, o.total_cents, count(*) AS n FROM orders o
       JOIN order_lines l ON l.order_id = o.id WHERE o.id = ? GROUP BY o.id, o.status, o.total_cents`,
      [orderId],
    );
  }

  async close() {
    await this.c.end();
  }
}
