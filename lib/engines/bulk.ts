/**
 * Bulk loading with each engine's fastest native path: PostgreSQL `COPY ... FROM STDIN`,
 * MariaDB multi-row INSERT batches, Redis pipelines, ClickHouse native inserts (see
 * experiments), InfluxDB line-protocol batches. Rows come from lib/workload.
 */

import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type mysql from "mysql2/promise";
import type { Redis } from "ioredis";
import { csvChunks } from "../workload/columns.ts";

/** COPY rows into a PostgreSQL table as CSV; returns the number of rows loaded. */
export async function copyIntoPostgres(
  client: pg.Client,
  table: string,
  columns: readonly string[],
  rows: Iterable<object>,
): Promise<number> {
  const stream = client.query(
    copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN WITH (FORMAT csv)`),
  );
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  const records = rows as Iterable<Record<string, unknown>>;
  for (const chunk of csvChunks(records, columns, { header: false, chunkRows: 5000 })) {
    // Respect back-pressure so a large table does not pile up in memory.
    if (!stream.write(chunk)) await new Promise((r) => stream.once("drain", r));
  }
  stream.end();
  await done;
  return Number((stream as unknown as { rowCount: number }).rowCount);
}

/** Multi-row INSERT batches into a MariaDB/MySQL table; returns the number of rows loaded. */
export async function insertIntoMariadb(
  conn: mysql.Connection,
  table: string,
  columns: readonly string[],
  rows: Iterable<object>,
  batchRows = 2000,
): Promise<number> {
  let batch: unknown[][] = [];
  let n = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    // `VALUES ?` with an array of arrays: mysql2 expands it into one multi-row statement.
    await conn.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ?`, [batch]);
    n += batch.length;
    batch = [];
  };
  for (const row of rows as Iterable<Record<string, unknown>>) {
    batch.push(columns.map((c) => row[c]));
    if (batch.length === batchRows) await flush();
  }
  await flush();
  return n;
}

/** Run commands through Redis pipelines of `batch` commands; returns how many ran. */
export async function pipelineIntoRedis<T>(
  client: Redis,
  items: Iterable<T>,
  add: (pipeline: ReturnType<Redis["pipeline"]>, item: T) => void,
  batch = 1000,
): Promise<number> {
  let pipeline = client.pipeline();
  let pending = 0;
  let n = 0;
  for (const item of items) {
    add(pipeline, item);
    if (++pending === batch) {
      await execOrThrow(pipeline);
      n += pending;
      pending = 0;
      pipeline = client.pipeline();
    }
  }
  if (pending > 0) await execOrThrow(pipeline);
  return n + pending;
}

async function execOrThrow(pipeline: ReturnType<Redis["pipeline"]>) {
  const results = await pipeline.exec();
  const failed = results?.find(([err]) => err);
  if (failed) throw failed[0];
}

/**
 * POST InfluxDB line protocol in batches of `batch` points; returns how many were written.
 * `precision` is the unit of the lines' timestamps (default ms); use ns when several points
 * of one series can share a millisecond, since InfluxDB keeps only the last point per
 * series and timestamp.
 */
export async function writeIntoInflux(
  url: string,
  database: string,
  lines: Iterable<string>,
  batch = 5000,
  precision: "ns" | "u" | "ms" | "s" = "ms",
): Promise<number> {
  let buf: string[] = [];
  let n = 0;
  const flush = async () => {
    if (buf.length === 0) return;
    const res = await fetch(
      `${url}/write?db=${encodeURIComponent(database)}&precision=${precision}`,
      {
        method: "POST",
        body: buf.join("\n"),
      },
    );
    if (res.status !== 204) throw new Error(`influxdb write: ${res.status} ${await res.text()}`);
    n += buf.length;
    buf = [];
  };
  for (const line of lines) {
    buf.push(line);
    if (buf.length === batch) await flush();
  }
  await flush();
  return n;
}
