/**
 * Hazelcast: an in-memory data grid (Java). Not installable here, so it runs through docker
 * or BENCH_HAZELCAST_URL=hazelcast://host:5701. Clients use hazelcast-client.
 */

import type { EngineDriver } from "./driver.ts";
import type { EngineNode } from "./types.ts";

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

/** Hazelcast's driver for the engine API. */
export const hazelcast: EngineDriver = {
  engine: "hazelcast",
  describe: "Hazelcast 5 (docker or external URL)",
  urlEnv: "BENCH_HAZELCAST_URL",
  ping: async (node) => {
    const client = await connectHazelcast(node);
    await client.shutdown();
  },
  version: async (node) => {
    const client = await connectHazelcast(node);
    try {
      const [member] = client.getCluster().getMembers();
      const v = member?.version;
      return v ? `${v.major}.${v.minor}.${v.patch}` : "unknown";
    } finally {
      await client.shutdown();
    }
  },
  nativeMissing: () => ({
    reason: "no Hazelcast server (a Java server, not packaged for Debian or npm)",
    fatal: false,
  }),
  docker: {
    image: "hazelcast/hazelcast:5.5",
    port: 5701,
    readyLog: { pattern: /is STARTED/ },
    url: (host, port) => `hazelcast://${host}:${port}`,
  },
};
