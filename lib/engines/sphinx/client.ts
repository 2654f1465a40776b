/**
 * Sphinx's client helpers: SphinxQL speaks the MySQL 4.1 wire protocol, so mysql2 connects to
 * searchd's `mysql41` listener. No prepared statements (searchd 2.2 has none): statements are
 * built with mysql2's escaping (`format`) and sent as text.
 *
 * @module
 */

import mysql from "mysql2/promise";
import type { EngineNode } from "../types.ts";

/** A mysql2 connection to searchd's SphinxQL listener; the caller ends it. */
export function connectSphinx(
  node: Pick<EngineNode, "url">,
  options: mysql.ConnectionOptions = {},
): Promise<mysql.Connection> {
  return mysql.createConnection({ uri: node.url, connectTimeout: 5000, ...options });
}

/** Run one SphinxQL statement on a fresh connection (set-up, ping, version). */
export async function querySphinx<T = mysql.RowDataPacket[]>(
  node: Pick<EngineNode, "url">,
  sql: string,
): Promise<T> {
  const conn = await connectSphinx(node, { connectTimeout: 2000 });
  try {
    const [rows] = await conn.query(sql);
    return rows as T;
  } finally {
    await conn.end();
  }
}

/** A SphinxQL string literal (searchd's escaping: backslash and single quote). */
export function sphinxString(s: string): string {
  return `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/**
 * Escape a user's words for MATCH(): Sphinx's query-syntax operators become plain spaces, so
 * a query can only mean the words it holds.
 */
export function sphinxMatchWords(s: string): string {
  return s.replace(/[\\()|\-!@~"&/^$=<>*'\[\]]/g, " ").replace(/\s+/g, " ").trim();
}
