/**
 * ClickHouse's client helpers (@clickhouse/client): one client API whether the "node" is
 * embedded chDB in this process (`chdb://<path>`) or a server over HTTP.
 *
 * @module
 */

import { type ClickHouseClient, createClient } from "@clickhouse/client";
import type { EngineNode } from "../types.ts";

/** URL scheme of an embedded chDB "node": its data path. */
export const CHDB = "chdb://";

/** A @clickhouse/client for a node: chDB in-process for `chdb://`, HTTP otherwise. */
export async function connectClickHouse(node: Pick<EngineNode, "url">): Promise<ClickHouseClient> {
  if (node.url.startsWith(CHDB)) {
    // Imported lazily: loading chDB maps a ~540 MB library into the process.
    const { createChdbConnection } = await import("chdb/connection");
    const connection = createChdbConnection({ path: node.url.slice(CHDB.length) });
    // chdb's connection implements the client's Connection interface; its types say unknown.
    return createClient({ connection } as Parameters<typeof createClient>[0]);
  }
  return createClient({ url: node.url, request_timeout: 60_000 });
}

/** Run one query and return its rows as objects. */
export async function queryClickHouse<T = Record<string, unknown>>(
  client: ClickHouseClient,
  query: string,
): Promise<T[]> {
  const result = await client.query({ query, format: "JSONEachRow" });
  return await result.json<T>();
}
