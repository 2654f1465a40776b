/**
 * Hazelcast's client helpers (hazelcast-client, loaded lazily: a large package only Hazelcast
 * runs need).
 *
 * @module
 */

import type { EngineNode } from "../types.ts";

/** A connected Hazelcast client for a node (`hazelcast://host:port`); shut it down after. */
// deno-lint-ignore no-explicit-any
export async function connectHazelcast(node: Pick<EngineNode, "host" | "port">): Promise<any> {
  const { Client } = await import("hazelcast-client");
  return await Client.newHazelcastClient({
    network: { clusterMembers: [`${node.host}:${node.port}`] },
    connectionStrategy: { connectionRetry: { clusterConnectTimeoutMillis: 5000 } },
    properties: { "hazelcast.logging.level": "OFF" },
  });
}
