/**
 * MariaDB's client helpers (mysql2): a connection to a node, one-off statements for set-up and
 * checks, and bulk loading with multi-row INSERT batches.
 *
 * @module
 */

import mysql from "mysql2/promise";
import type { EngineNode } from "../types.ts";

/** A mysql2 connection to a node; the caller ends it. */
export function connectMariadb(
  node: Pick<EngineNode, "url">,
  options: mysql.ConnectionOptions = {},
): Promise<mysql.Connection> {
  return mysql.createConnection({
    uri: node.url,
    connectTimeout: 5000,
    multipleStatements: true,
    ...options,
  });
}

/** Run one statement on a fresh connection (set-up and checks). */
export async function queryMariadb<T = mysql.RowDataPacket[]>(
  node: Pick<EngineNode, "url">,
  sql: string,
  params: unknown[] = [],
): Promise<T> {
  const conn = await connectMariadb(node, { connectTimeout: 2000 });
  try {
    const [rows] = await conn.query(sql, params);
    return rows as T;
  } finally {
    await conn.end();
  }
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
