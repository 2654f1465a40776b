/**
 * Hazelcast: an in-memory data grid (Java). Not installable here, so it runs through docker
 * or BENCH_HAZELCAST_URL=hazelcast://host:5701. Clients use hazelcast-client.
 */

import type { EngineDefinition } from "../types.ts";
import { connectHazelcast } from "./client.ts";

/** Hazelcast's definition for the engine registry. */
export const hazelcast: EngineDefinition = {
  name: "hazelcast",
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
