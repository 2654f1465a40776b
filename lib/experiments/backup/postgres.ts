/**
 * PostgreSQL's binding: a shop-like dataset (an `events` table range-partitioned in ten by id,
 * newest partition hot, and a small `accounts` table), pgBackRest with WAL archiving as the
 * backup of record, pg_basebackup and pg_dump/pg_restore as baselines, a ledger table for the
 * point-in-time and disk-loss drills, and standby promotion.
 *
 * @module
 */

import type { Engine, EngineNode } from "../../engines/mod.ts";
import { connectPostgres, queryPostgres } from "../../engines/postgres/client.ts";
import { PgBackRest, PgBasebackup, PgDump } from "../../engines/postgres/backup.ts";
import type { BackupBinding, BackupRepo, BackupTool, Fingerprint, Ledger } from "./binding.ts";

/** About this many bytes per events row with its primary-key entry (measured, 15.x). */
const BYTES_PER_ROW = 175;
const PARTITIONS = 10;
const ACCOUNTS = 10_000;

const pgbackrest: BackupTool = {
  name: "pgbackrest",
  types: ["full", "diff", "incr"],
  compressions: ["lz4", "zst", "gz", "none"],
  async open(engine) {
    const repo = await PgBackRest.create(engine);
    return {
      backup: (type, compression) =>
        repo.backup(type as "full" | "diff" | "incr", compression ?? "lz4"),
      restore: (o = {}) =>
        repo.restore({ set: o.label, targetTime: o.targetTime, immediate: o.toBackup }),
      flushLog: () => repo.flushWal(),
      close: () => repo.close(),
    };
  },
};

/** A tool whose backups are standalone copies (each restore is the copy it names). */
function standalone(
  name: string,
  type: string,
  take: (engine: Engine) => Promise<{
    backup: { restore(): ReturnType<BackupRepo["restore"]>; close(): Promise<void> };
    taken: Awaited<ReturnType<BackupRepo["backup"]>>;
  }>,
): BackupTool {
  return {
    name,
    types: [type],
    open(engine) {
      const copies: { restore(): ReturnType<BackupRepo["restore"]>; close(): Promise<void> }[] = [];
      return Promise.resolve({
        async backup() {
          const { backup, taken } = await take(engine);
          copies.push(backup);
          return taken;
        },
        restore() {
          const last = copies[copies.length - 1];
          if (!last) throw new Error(`${name}: nothing to restore`);
          return last.restore();
        },
        async close() {
          for (const c of copies) await c.close();
        },
      });
    },
  };
}

const ledger: Ledger = {
  async setup(node) {
    await queryPostgres(
      node,
      "CREATE TABLE IF NOT EXISTS ledger (key text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())",
    );
  },
  async writer(node) {
    const c = await connectPostgres(node);
    c.on("error", () => {}); // a killed server surfaces through the failed query
    return {
      write: async (key) => {
        await c.query("INSERT INTO ledger (key) VALUES ($1)", [key]);
      },
      close: () => c.end().catch(() => {}),
    };
  },
  async keys(node) {
    const rows = await queryPostgres<{ key: string }>(node, "SELECT key FROM ledger");
    return new Set(rows.map((r) => r.key));
  },
};

async function load(engine: Engine, mb: number) {
  const rows = Math.max(1000, Math.round((mb * 1e6) / BYTES_PER_ROW));
  const c = await connectPostgres(engine.primary);
  try {
    await c.query(`CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)`);
    await c.query(`INSERT INTO accounts SELECT g, 0 FROM generate_series(1, ${ACCOUNTS}) g`);
    await c.query(
      `CREATE TABLE events (id bigint NOT NULL, ts timestamptz NOT NULL, customer int NOT NULL,
        payload text NOT NULL) PARTITION BY RANGE (id)`,
    );
    const step = Math.ceil(rows / PARTITIONS);
    for (let i = 0; i < PARTITIONS; i++) {
      const hi = i === PARTITIONS - 1 ? "MAXVALUE" : String(1 + (i + 1) * step);
      await c.query(
        `CREATE TABLE events_${i} PARTITION OF events FOR VALUES FROM (${1 + i * step}) TO (${hi})`,
      );
    }
    await c.query(insertEvents(1, rows));
    await c.query("ALTER TABLE events ADD PRIMARY KEY (id)");
    await c.query("VACUUM ANALYZE");
    const [{ bytes }] = (await c.query("SELECT pg_database_size('postgres')::bigint AS bytes"))
      .rows;
    return { rows, bytes: Number(bytes) };
  } finally {
    await c.end();
  }
}

function insertEvents(from: number, to: number): string {
  // Deterministic rows: ~150 bytes each, a timestamp a second apart, 100 000 customers.
  return `INSERT INTO events SELECT g, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 second',
      ((g::bigint * 7919) % 100000)::int, md5(g::text) || repeat('x', 60) FROM generate_series(${from}, ${to}) g`;
}

async function change(engine: Engine, share: number) {
  const c = await connectPostgres(engine.primary);
  try {
    const [{ n }] = (await c.query("SELECT max(id)::bigint AS n FROM events")).rows;
    const max = Number(n);
    const added = Math.max(1, Math.round(max * share));
    // New events land in the newest partition only; a few balances change.
    await c.query(insertEvents(max + 1, max + added));
    await c.query(
      `UPDATE accounts SET balance = balance + 1 WHERE id % 100 = ${Math.round(max % 100)}`,
    );
  } finally {
    await c.end();
  }
}

async function fingerprint(node: EngineNode): Promise<Fingerprint> {
  const [e] = await queryPostgres<{ n: string; h: string }>(
    node,
    "SELECT count(*)::text AS n, coalesce(sum(hashtext(t::text)::bigint), 0)::text AS h FROM events t",
  );
  const [a] = await queryPostgres<{ n: string; h: string }>(
    node,
    "SELECT count(*)::text AS n, coalesce(sum(hashtext(t::text)::bigint), 0)::text AS h FROM accounts t",
  );
  return { rows: Number(e.n) + Number(a.n), checksum: `${e.h}/${a.h}` };
}

/** PostgreSQL 15 with pgBackRest 2.45, pg_basebackup and pg_dump. */
export const postgresBinding: BackupBinding = {
  name: "postgres",
  engine: "postgres",
  spec: {
    // WAL archiving on from the start (pgBackRest takes the archive_command over), and a Unix
    // socket: pgBackRest talks to PostgreSQL only through it.
    walArchive: true,
    options: { unixSocket: true },
  },
  backups: {
    tools: [
      pgbackrest,
      standalone("pg_basebackup", "full", (e) => PgBasebackup.take(e)),
      standalone("pg_dump", "logical", (e) => PgDump.take(e)),
    ],
    load,
    change,
    fingerprint,
  },
  pitr: { ledger, archive: pgbackrest },
  rpo: {
    ledger,
    archive: pgbackrest,
    archiveSettings: (s) => ({ archive_timeout: `${s}s` }),
    async promote(node) {
      await queryPostgres(node, "SELECT pg_promote(true, 60)");
    },
  },
};
