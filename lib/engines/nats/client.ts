/**
 * NATS's client helpers (npm `nats` 2.x): a connection to a node that fails fast, and the
 * server's version as the connection's INFO reports it.
 *
 * @module
 */

import { connect, type NatsConnection } from "nats";
import type { EngineNode } from "../types.ts";

/** `nats://host:port` → `host:port`, the form the client's `servers` option takes. */
export function natsServer(url: string): string {
  return url.replace(/^nats:\/\//, "");
}

/** A connected client for a node; the caller closes it. No reconnects: a lost server fails. */
export async function connectNats(
  node: Pick<EngineNode, "url">,
  options: { name?: string; timeoutMs?: number } = {},
): Promise<NatsConnection> {
  return await connect({
    servers: natsServer(node.url),
    name: options.name ?? "dsbench",
    timeout: options.timeoutMs ?? 2000,
    reconnect: false,
  });
}

/** One round trip (connect, flush, close), returning the server's version. */
export async function natsVersion(node: Pick<EngineNode, "url">): Promise<string> {
  const nc = await connectNats(node, { name: "dsbench-ping" });
  try {
    await nc.flush();
    return nc.info?.version ?? "unknown";
  } finally {
    await nc.close();
  }
}
