/**
 * ClickHouse's binding (embedded chDB): the analytics experiment's event stream (lib/workload,
 * the same columns as notebook 03's MergeTree table) at the part's sizes, backed up with
 * ClickHouse's own `BACKUP DATABASE ... TO File` (full, then incremental on it) and restored
 * with `RESTORE` — against the other way back an analytics store has: **rebuilding** the
 * table by inserting the events again from the system of record. Both land in a new engine and
 * are verified by row count and a checksum of every row.
 *
 * The nominal size (MB) is the events' uncompressed bytes as ClickHouse counts them
 * (`data_uncompressed_bytes`); `db_bytes` is what the table occupies on disk (compressed).
 *
 * @module
 */

import type { ClickHouseClient } from "@clickhouse/client";
import { connectClickHouse } from "../../engines/clickhouse/client.ts";
import { ClickHouseBackups, startClickHouseOn } from "../../engines/clickhouse/backup.ts";
import type { Engine, EngineNode } from "../../engines/mod.ts";
import { createCatalog, generateEvents } from "../../workload/generate.ts";
import { getScale } from "../../workload/scales.ts";
import type { BackupBinding, BackupTool, Fingerprint } from "./binding.ts";

const DB = "bench";
const TABLE = `${DB}.events`;
/**
 * Uncompressed bytes per event in this table, from its column widths: DateTime64 8, four
 * integers 4 + 4 + 2 + 4, quantity 1, and a 1-byte index per LowCardinality column (3).
 */
const BYTES_PER_EVENT = 26;
/** Rows per INSERT: chDB materialises each body as one string. */
const BATCH_ROWS = 250_000;
const SEED = 42;

/**
 * What each source engine was given, in order: the system of record a rebuild replays (a seed
 * and an event count per batch; the events themselves are regenerated, as a rebuild re-reads
 * them).
 */
const sourceLog = new WeakMap<Engine, { seed: number; events: number }[]>();

async function withClient<T>(node: EngineNode, fn: (c: ClickHouseClient) => Promise<T>) {
  // One client per use, closed after: chDB binds a data path only while one is open, so the
  // source and its restored copies can take turns in this process.
  const c = await connectClickHouse(node);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

async function rows<T>(c: ClickHouseClient, query: string): Promise<T[]> {
  return await (await c.query({ query, format: "JSONEachRow" })).json<T>();
}

/** Insert one batch of the event stream (`events` events of `seed`), as TSV in batches. */
async function insertBatch(c: ClickHouseClient, seed: number, events: number) {
  // The catalogue's dimensions of the quick scale: the stream's size is `events`, the rest only
  // shapes the values.
  const catalog = createCatalog({ ...getScale("quick"), events }, seed);
  const insert = `INSERT INTO ${TABLE} FORMAT TabSeparated\n`;
  let body = "", pending = 0;
  const flush = async () => {
    (await c.exec({ query: insert + body })).stream.destroy();
    body = "";
    pending = 0;
  };
  for (const e of generateEvents(catalog)) {
    const frac = String(e.ts % 1000).padStart(3, "0");
    body += `${Math.floor(e.ts / 1000)}.${frac}\t${e.type}\t${e.customer_id}\t${e.product_id}\t` +
      `${e.category_id}\t${e.price_cents}\t${e.quantity}\t${e.device}\t${e.country}\n`;
    if (++pending === BATCH_ROWS) await flush();
  }
  if (pending > 0) await flush();
}

async function createTable(c: ClickHouseClient) {
  await c.command({ query: `CREATE DATABASE IF NOT EXISTS ${DB}` });
  // Notebook 03's design: MergeTree ordered by (type, ts), narrow types, default LZ4.
  await c.command({
    query: `CREATE TABLE ${TABLE} (ts DateTime64(3, 'UTC'), type LowCardinality(String),
      customer_id UInt32, product_id UInt32, category_id UInt16, price_cents UInt32,
      quantity UInt8, device LowCardinality(String), country LowCardinality(String))
      ENGINE = MergeTree ORDER BY (type, ts)`,
  });
}

async function load(engine: Engine, mb: number) {
  const events = Math.max(1000, Math.round((mb * 1e6) / BYTES_PER_EVENT));
  return await withClient(engine.primary, async (c) => {
    await createTable(c);
    await insertBatch(c, SEED, events);
    sourceLog.set(engine, [{ seed: SEED, events }]);
    // Settle the insert batches into one part, as notebook 03 does before measuring.
    await c.command({ query: `OPTIMIZE TABLE ${TABLE} FINAL` });
    const [p] = await rows<{ b: string }>(
      c,
      `SELECT sum(bytes_on_disk) AS b FROM system.parts
        WHERE database = '${DB}' AND table = 'events' AND active`,
    );
    return { rows: events, bytes: Number(p.b) };
  });
}

async function change(engine: Engine, share: number) {
  const log = sourceLog.get(engine);
  if (!log) throw new Error("clickhouse: change before load");
  const events = Math.max(1, Math.round(log[0].events * share));
  const batch = { seed: SEED + log.length, events };
  await withClient(engine.primary, (c) => insertBatch(c, batch.seed, batch.events));
  log.push(batch);
}

async function fingerprint(node: EngineNode): Promise<Fingerprint> {
  return await withClient(node, async (c) => {
    const [r] = await rows<{ n: string; h: string }>(
      c,
      `SELECT toString(count()) AS n, toString(sum(cityHash64(*))) AS h FROM ${TABLE}`,
    );
    return { rows: Number(r.n), checksum: r.h };
  });
}

const backupTool: BackupTool = {
  name: "clickhouse-backup",
  types: ["full", "incr"],
  async open(engine) {
    const repo = await ClickHouseBackups.create(engine, DB);
    return {
      backup: (type) => repo.backup(type as "full" | "incr"),
      restore: (o = {}) => repo.restore({ label: o.label }),
      close: () => repo.close(),
    };
  },
};

/**
 * No backup at all: the system of record is the copy. "Taking" it costs nothing and stores
 * nothing here; restoring is re-inserting every event the source was given into a new table.
 */
const rebuildTool: BackupTool = {
  name: "clickhouse-rebuild",
  types: ["reinsert"],
  open(engine) {
    let log: { seed: number; events: number }[] = [];
    return Promise.resolve({
      backup: () => {
        log = [...(sourceLog.get(engine) ?? [])];
        return Promise.resolve({
          label: "rebuild",
          type: "reinsert",
          ms: 0,
          dbBytes: 0,
          storedBytes: 0,
        });
      },
      async restore() {
        const { engine: copy, prepareMs, startMs } = await startClickHouseOn(
          "clickhouse-rebuild",
          (node) =>
            withClient(node, async (c) => {
              await createTable(c);
              for (const b of log) await insertBatch(c, b.seed, b.events);
            }),
        );
        return { engine: copy, restoreMs: prepareMs, startMs };
      },
      close: () => Promise.resolve(),
    });
  },
};

/** ClickHouse (embedded chDB): BACKUP/RESTORE against a rebuild from the source. */
export const clickhouseBinding: BackupBinding = {
  name: "clickhouse",
  engine: "clickhouse",
  backups: { tools: [backupTool, rebuildTool], load, change, fingerprint },
};
