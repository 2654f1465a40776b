/**
 * MariaDB's binding: the same shop-like dataset as PostgreSQL's (an `events` table, newest rows
 * hot, and a small `accounts` table, InnoDB), mariadb-backup full + incremental as the backup,
 * and binlog point-in-time recovery with a ledger table (lib/engines/mariadb/backup.ts).
 *
 * @module
 */

import type { Engine, EngineNode } from "../../engines/mod.ts";
import { connectMariadb, queryMariadb } from "../../engines/mariadb/client.ts";
import { MariaBackup } from "../../engines/mariadb/backup.ts";
import type { BackupBinding, BackupTool, Fingerprint, Ledger } from "./binding.ts";

/** About this many bytes per events row in InnoDB, clustered on its key (measured, 10.11). */
const BYTES_PER_ROW = 140;
const ACCOUNTS = 10_000;
/** Rows per INSERT ... SELECT: bounded transactions (and binlog events) while loading. */
const CHUNK = 100_000;
const DB = "bench";

const mariabackup: BackupTool = {
  name: "mariadb-backup",
  types: ["full", "incr"],
  async open(engine) {
    const repo = await MariaBackup.create(engine);
    return {
      backup: (type) => repo.backup(type as "full" | "incr"),
      restore: (o = {}) => repo.restore(o),
      flushLog: () => repo.flushLog(),
      close: () => repo.close(),
    };
  },
};

const ledger: Ledger = {
  async setup(node) {
    await queryMariadb(
      node,
      `CREATE DATABASE IF NOT EXISTS ${DB}; CREATE TABLE IF NOT EXISTS ${DB}.ledger
        (k varchar(64) PRIMARY KEY, at timestamp(6) NOT NULL DEFAULT current_timestamp(6))`,
    );
  },
  async writer(node) {
    const c = await connectMariadb(node);
    c.on("error", () => {}); // a killed server surfaces through the failed query
    return {
      write: async (key) => {
        await c.query(`INSERT INTO ${DB}.ledger (k) VALUES (?)`, [key]);
      },
      close: () => c.end().catch(() => {}),
    };
  },
  async keys(node) {
    const rows = await queryMariadb<{ k: string }[]>(node, `SELECT k FROM ${DB}.ledger`);
    return new Set(rows.map((r) => r.k));
  },
};

function insertEvents(from: number, to: number): string {
  // Deterministic rows like PostgreSQL's: ~150 bytes, a second apart, 100 000 customers; the
  // SEQUENCE engine's seq_<from>_to_<to> generates the ids inside the server.
  return `INSERT INTO events SELECT seq, TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND,
    (seq * 7919) % 100000, CONCAT(MD5(seq), REPEAT('x', 60)) FROM seq_${from}_to_${to}`;
}

async function load(engine: Engine, mb: number) {
  const rows = Math.max(1000, Math.round((mb * 1e6) / BYTES_PER_ROW));
  await queryMariadb(engine.primary, `CREATE DATABASE IF NOT EXISTS ${DB}`);
  const c = await connectMariadb(engine.primary, { database: DB });
  try {
    await c.query(`CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)`);
    await c.query(`INSERT INTO accounts SELECT seq, 0 FROM seq_1_to_${ACCOUNTS}`);
    await c.query(
      `CREATE TABLE events (id bigint PRIMARY KEY, ts datetime NOT NULL, customer int NOT NULL,
        payload varchar(100) NOT NULL)`,
    );
    for (let from = 1; from <= rows; from += CHUNK) {
      await c.query(insertEvents(from, Math.min(rows, from + CHUNK - 1)));
    }
    await c.query("ANALYZE TABLE events, accounts");
  } finally {
    await c.end();
  }
  const [{ bytes }] = await queryMariadb<{ bytes: string }[]>(
    engine.primary,
    `SELECT SUM(data_length + index_length) AS bytes FROM information_schema.tables
      WHERE table_schema = '${DB}'`,
  );
  return { rows, bytes: Number(bytes) };
}

async function change(engine: Engine, share: number) {
  const [{ n }] = await queryMariadb<{ n: string }[]>(
    engine.primary,
    `SELECT MAX(id) AS n FROM ${DB}.events`,
  );
  const max = Number(n);
  const c = await connectMariadb(engine.primary, { database: DB });
  try {
    const added = Math.max(1, Math.round(max * share));
    await c.query(insertEvents(max + 1, max + added));
    await c.query(`UPDATE accounts SET balance = balance + 1 WHERE id % 100 = ${max % 100}`);
  } finally {
    await c.end();
  }
}

async function fingerprint(node: EngineNode): Promise<Fingerprint> {
  const part = async (table: string, columns: string) => {
    const [r] = await queryMariadb<{ n: string; h: string }[]>(
      node,
      `SELECT COUNT(*) AS n, CAST(COALESCE(SUM(CRC32(CONCAT_WS('|', ${columns}))), 0) AS CHAR) AS h
        FROM ${DB}.${table}`,
    );
    return { n: Number(r.n), h: String(r.h) };
  };
  const e = await part("events", "id, ts, customer, payload");
  const a = await part("accounts", "id, balance");
  return { rows: e.n + a.n, checksum: `${e.h}/${a.h}` };
}

/** MariaDB 10.11 with mariadb-backup and binlog point-in-time recovery. */
export const mariadbBinding: BackupBinding = {
  name: "mariadb",
  engine: "mariadb",
  backups: { tools: [mariabackup], load, change, fingerprint },
  // Binlog times have whole seconds: the drill puts its target on a second boundary.
  pitr: { ledger, archive: mariabackup, targetResolutionMs: 1000 },
};
