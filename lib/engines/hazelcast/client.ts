/**
 * Hazelcast's client helpers (hazelcast-client, loaded lazily: a large package only Hazelcast
 * runs need).
 *
 * @module
 */

import type { EngineNode } from "../types.ts";

/**
 * A connected Hazelcast client for a node (`hazelcast://host:port`); shut it down after.
 * `extra` is merged into the client configuration (e.g. `nearCaches`, `network.smartRouting`).
 */
export async function connectHazelcast(
  node: Pick<EngineNode, "host" | "port">,
  extra: { network?: Record<string, unknown>; [k: string]: unknown } = {},
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const { Client } = await import("hazelcast-client");
  const { network, ...rest } = extra;
  return await Client.newHazelcastClient({
    ...rest,
    network: { clusterMembers: [`${node.host}:${node.port}`], ...network },
    connectionStrategy: { connectionRetry: { clusterConnectTimeoutMillis: 5000 } },
    properties: { "hazelcast.logging.level": "OFF" },
  });
}
