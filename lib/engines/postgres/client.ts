/**
 * PostgreSQL's client helpers (node-postgres): a connection to a node, one-off queries for
 * set-up and checks, and bulk loading with `COPY ... FROM STDIN`. Hot loops that must cost
 * less client CPU use the wire client the experiments choose (see lib/load).
 *
 * @module
 */

import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { csvChunks } from "../../workload/columns.ts";
import type { EngineNode } from "../types.ts";

/** A connected node-postgres client for a node; the caller ends it. */
export async function connectPostgres(
  node: Pick<EngineNode, "url">,
  options: pg.ClientConfig = {},
): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: node.url,
    connectionTimeoutMillis: 5000,
    ...options,
  });
  await client.connect();
  return client;
}

/** Run one query on a fresh connection (set-up, checks; not for hot loops). */
export async function queryPostgres<R extends pg.QueryResultRow = pg.QueryResultRow>(
  node: Pick<EngineNode, "url">,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = await connectPostgres(node, { connectionTimeoutMillis: 2000 });
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

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
