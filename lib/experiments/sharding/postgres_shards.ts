/**
 * One PostgreSQL server per shard (the shards capability of ./postgres.ts): the orders table
 * and the accounts of cross-shard transfers, prepared statements on the hot paths, two-phase
 * commit through `PREPARE TRANSACTION` (the servers run with `max_prepared_transactions` > 0),
 * load counters from `pg_stat_user_tables`, and PL/Proxy 2.10 as the database-side router:
 * a proxy database whose functions say `RUN ON hashint4(customer)` (the router's own mapping)
 * or `RUN ON ALL`.
 *
 * @module
 */

import type pg from "pg";
import { connectPostgres, copyIntoPostgres, queryPostgres } from "../../engines/postgres/client.ts";
import type { Engine, EngineNode } from "../../engines/mod.ts";
import type { ShardAdmin, ShardProxy, ShardSession, TwoPhaseSession } from "./binding.ts";

const SCHEMA = `
DROP TABLE IF EXISTS orders, accounts;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, region text NOT NULL,
  status text NOT NULL, total_cents bigint NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX orders_customer ON orders (customer_id, created_at DESC);
CREATE INDEX orders_recent ON orders (created_at DESC);
CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0),
  frozen boolean NOT NULL DEFAULT false);
`;

const ORDER_COLUMNS = [
  "id",
  "customer_id",
  "region",
  "status",
  "total_cents",
  "created_at",
] as const;
const iso = (ms: number) => new Date(ms).toISOString();
const quoted = (gid: string) => `'${gid.replaceAll("'", "''")}'`;

/** A session's statements, prepared by name on first use. */
function shardSession(c: pg.Client): ShardSession {
  return {
    async placeOrder(o) {
      await c.query({
        name: "place",
        text: `INSERT INTO orders (${ORDER_COLUMNS.join(", ")}) VALUES ($1, $2, $3, $4, $5, $6)`,
        values: [o.id, o.customer_id, o.region, o.status, o.total_cents, iso(o.created_at)],
      });
    },
    async orderById(id) {
      return (await c.query({
        name: "by_id",
        text: `SELECT * FROM orders WHERE id = $1`,
        values: [id],
      })).rows[0];
    },
    async listOrders(customer) {
      return (await c.query({
        name: "list",
        text:
          `SELECT id, created_at, total_cents FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10`,
        values: [customer],
      })).rows;
    },
    async latestOrders(limit) {
      const rows = (await c.query({
        name: "latest",
        text: `SELECT id, created_at FROM orders ORDER BY created_at DESC LIMIT $1`,
        values: [limit],
      })).rows;
      return rows.map((r: { id: string; created_at: Date }) => ({
        id: Number(r.id),
        created_at: r.created_at.getTime(),
      }));
    },
    close: () => c.end(),
  };
}

function twoPhaseSession(c: pg.Client): TwoPhaseSession {
  return {
    async debit(account, amount) {
      const r = await c.query({
        name: "debit",
        text: `UPDATE accounts SET balance = balance - $2 WHERE id = $1 AND balance >= $2`,
        values: [account, amount],
      });
      return r.rowCount === 1;
    },
    async credit(account, amount) {
      const r = await c.query({
        name: "credit",
        text: `UPDATE accounts SET balance = balance + $2 WHERE id = $1 AND NOT frozen`,
        values: [account, amount],
      });
      return r.rowCount === 1;
    },
    async refund(account, amount) {
      await c.query({
        name: "refund",
        text: `UPDATE accounts SET balance = balance + $2 WHERE id = $1`,
        values: [account, amount],
      });
    },
    begin: async () => void await c.query("BEGIN"),
    prepare: async (gid) => void await c.query(`PREPARE TRANSACTION ${quoted(gid)}`),
    commitPrepared: async (gid) => void await c.query(`COMMIT PREPARED ${quoted(gid)}`),
    rollback: async () => void await c.query("ROLLBACK"),
    rollbackPrepared: async (gid) => void await c.query(`ROLLBACK PREPARED ${quoted(gid)}`),
    async total() {
      return Number(
        (await c.query({ name: "total", text: `SELECT sum(balance) AS s FROM accounts` })).rows[0]
          .s,
      );
    },
    close: () => c.end(),
  };
}

/** A {@link ShardAdmin} for one PostgreSQL server. */
export async function postgresShardAdmin(node: EngineNode): Promise<ShardAdmin> {
  const c = await connectPostgres(node);
  // A transfer leg that waits this long for a row lock gives up: no distributed deadlock
  // detector exists across shards, so a timeout is the only way out of a cross-shard cycle.
  const session = async () => {
    const s = await connectPostgres(node);
    await s.query("SET lock_timeout = '2s'");
    return s;
  };
  return {
    async reset() {
      await c.query(SCHEMA);
    },
    async loadOrders(rows) {
      const converted = rows.map((r) => ({ ...r, created_at: iso(r.created_at) }));
      await copyIntoPostgres(c, "orders", ORDER_COLUMNS, converted);
      await c.query("ANALYZE orders");
    },
    async loadAccounts(rows) {
      await copyIntoPostgres(c, "accounts", ["id", "balance", "frozen"], rows);
    },
    async counters() {
      // Statistics reach the shared counters when a backend flushes them (at most once a
      // second while it is busy): flush this session's own first.
      await c.query("SELECT pg_stat_force_next_flush()");
      await c.query("SELECT 1");
      const [r] = (await c.query(
        `SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) + n_tup_ins AS q FROM pg_stat_user_tables WHERE relname = 'orders'`,
      )).rows;
      return { orderQueries: Number(r?.q ?? 0) };
    },
    async balances() {
      const rows = (await c.query(`SELECT id, balance FROM accounts`)).rows;
      return new Map(
        rows.map((r: { id: number; balance: string }) => [Number(r.id), Number(r.balance)]),
      );
    },
    async prepared() {
      return Number((await c.query(`SELECT count(*) AS n FROM pg_prepared_xacts`)).rows[0].n);
    },
    session: async () => shardSession(await session()),
    twoPhase: async () => twoPhaseSession(await session()),
    close: () => c.end(),
  };
}

/**
 * A libpq key=value connection string for PL/Proxy's cluster definition. (PL/Proxy appends
 * ` user=...` to it, which a URI-form conninfo does not survive.)
 */
function conninfo(node: EngineNode): string {
  const u = new URL(node.url);
  const q = (v: string) => `'${v.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
  const parts = [
    `host=${q(u.hostname)}`,
    `port=${u.port || "5432"}`,
    `dbname=${q(decodeURIComponent(u.pathname.slice(1)) || "postgres")}`,
  ];
  if (u.password) parts.push(`password=${q(decodeURIComponent(u.password))}`);
  for (const [k, v] of u.searchParams) parts.push(`${k}=${q(v)}`);
  return parts.join(" ");
}

/**
 * PL/Proxy in a `proxy` database of `host`, partitions p0..p(n-1) on `shards` (n a power of
 * two, as PL/Proxy requires): `list_orders` runs on the shard of `hashint4(customer)`, and
 * `latest_orders` on all of them, merged by the caller's ORDER BY ... LIMIT.
 */
export async function plproxyOver(host: Engine, shards: readonly Engine[]): Promise<ShardProxy> {
  const n = shards.length;
  if ((n & (n - 1)) !== 0) throw new Error(`PL/Proxy needs a power-of-two shard count, got ${n}`);
  const exists = await queryPostgres(
    host.primary,
    `SELECT 1 FROM pg_database WHERE datname = 'proxy'`,
  );
  if (exists.length === 0) await queryPostgres(host.primary, `CREATE DATABASE proxy`);
  const url = new URL(host.primary.url);
  url.pathname = "/proxy";
  const proxyNode = { ...host.primary, url: url.toString() };
  const options = shards.map((s, i) => `p${i} '${conninfo(s.primary).replaceAll("'", "''")}'`).join(
    ", ",
  );
  // PL/Proxy connects as the mapped user: the shards' own user and password, if they have one.
  const shardUrl = new URL(shards[0].primary.url);
  const lit = (v: string) => `'${decodeURIComponent(v).replaceAll("'", "''")}'`;
  const mapping = shardUrl.username
    ? ` OPTIONS (user ${lit(shardUrl.username)}${
      shardUrl.password ? `, password ${lit(shardUrl.password)}` : ""
    })`
    : "";
  const admin = await connectPostgres(proxyNode);
  try {
    await admin.query(`
      CREATE EXTENSION IF NOT EXISTS plproxy;
      DROP SERVER IF EXISTS shards CASCADE;
      CREATE SERVER shards FOREIGN DATA WRAPPER plproxy OPTIONS (connection_lifetime '1800', ${options});
      CREATE USER MAPPING FOR PUBLIC SERVER shards${mapping};
      CREATE OR REPLACE FUNCTION list_orders(cust int) RETURNS TABLE (id bigint, created_at timestamptz, total_cents bigint) AS $$
        CLUSTER 'shards'; RUN ON hashint4(cust);
        SELECT id, created_at, total_cents FROM orders WHERE customer_id = cust ORDER BY created_at DESC LIMIT 10;
      $$ LANGUAGE plproxy;
      CREATE OR REPLACE FUNCTION latest_orders(lim int) RETURNS TABLE (id bigint, created_at timestamptz) AS $$
        CLUSTER 'shards'; RUN ON ALL;
        SELECT id, created_at FROM orders ORDER BY created_at DESC LIMIT lim;
      $$ LANGUAGE plproxy;`);
  } finally {
    await admin.end();
  }
  return {
    async session() {
      const c = await connectPostgres(proxyNode);
      return {
        async listOrders(customer) {
          return (await c.query({
            name: "list",
            text: `SELECT * FROM list_orders($1)`,
            values: [customer],
          })).rows;
        },
        async latestOrders(limit) {
          const rows = (await c.query({
            name: "latest",
            text: `SELECT id, created_at FROM latest_orders($1) ORDER BY created_at DESC LIMIT $1`,
            values: [limit],
          })).rows;
          return rows.map((r: { id: string; created_at: Date }) => ({
            id: Number(r.id),
            created_at: r.created_at.getTime(),
          }));
        },
        close: () => c.end(),
      };
    },
    close: () => Promise.resolve(),
  };
}
