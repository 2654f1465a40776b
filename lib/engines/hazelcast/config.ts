/**
 * A Hazelcast member's generated configuration: the map settings an engine spec may carry
 * (validated with one clear line each), the member XML (loopback only, a tcp-ip member list,
 * one map configuration for every map) and the member properties that differ from Hazelcast's
 * defaults, each with its reason.
 *
 * @module
 */

import { EngineError } from "../runtime/errors.ts";
import { LOOPBACK } from "../runtime/net.ts";
import type { EngineSpec } from "../types.ts";

const MAP_SETTINGS = ["eviction-policy", "max-size-policy", "size"] as const;
const EVICTION_POLICIES = ["LRU", "LFU", "NONE", "RANDOM"];
const SIZE_POLICIES = [
  "PER_NODE",
  "PER_PARTITION",
  "USED_HEAP_SIZE",
  "USED_HEAP_PERCENTAGE",
  "FREE_HEAP_SIZE",
  "FREE_HEAP_PERCENTAGE",
];

/** The map settings of `spec` (validated, upper-cased), as the member XML takes them. */
export function mapConfigOf(spec: EngineSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.settings ?? {})) {
    if (!(MAP_SETTINGS as readonly string[]).includes(k)) {
      throw new EngineError(
        `hazelcast: unknown setting "${k}"; settings are ${MAP_SETTINGS.join(", ")}`,
      );
    }
    out[k] = String(v).toUpperCase();
  }
  if (out["eviction-policy"] && !EVICTION_POLICIES.includes(out["eviction-policy"])) {
    throw new EngineError(`hazelcast: eviction-policy must be one of ${EVICTION_POLICIES}`);
  }
  if (out["max-size-policy"] && !SIZE_POLICIES.includes(out["max-size-policy"])) {
    throw new EngineError(`hazelcast: max-size-policy must be one of ${SIZE_POLICIES}`);
  }
  if (out.size && !(Number.isInteger(Number(out.size)) && Number(out.size) >= 0)) {
    throw new EngineError(`hazelcast: size must be an integer >= 0, got ${out.size}`);
  }
  return out;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The member's XML configuration (every non-default setting with its reason). */
export function memberXml(
  port: number,
  memberList: readonly number[],
  properties: Record<string, string>,
  mapConfig: Record<string, string>,
  backupCount: number,
): string {
  const props = Object.entries(properties)
    .map(([k, v]) => `    <property name="${k}">${xmlEscape(v)}</property>`).join("\n");
  const members = memberList.map((p) => `          <member>${LOOPBACK}:${p}</member>`)
    .join("\n");
  const eviction = mapConfig["eviction-policy"]
    ? `\n    <eviction eviction-policy="${mapConfig["eviction-policy"]}" max-size-policy="${
      mapConfig["max-size-policy"] ?? "PER_NODE"
    }" size="${mapConfig.size ?? "0"}"/>`
    : "";
  return `<?xml version="1.0" encoding="UTF-8"?>
<hazelcast xmlns="http://www.hazelcast.com/schema/config"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
           xsi:schemaLocation="http://www.hazelcast.com/schema/config http://www.hazelcast.com/schema/config/hazelcast-config-5.7.xsd">
  <!-- "dev", the clients' default cluster name: members of other engines never join, since
       each member list names only this engine's loopback ports. -->
  <cluster-name>dev</cluster-name>
  <properties>
${props}
  </properties>
  <network>
    <port auto-increment="false">${port}</port>
    <interfaces enabled="true"><interface>${LOOPBACK}</interface></interfaces>
    <join>
      <auto-detection enabled="false"/>
      <multicast enabled="false"/>
      <tcp-ip enabled="true">
        <member-list>
${members}
        </member-list>
      </tcp-ip>
    </join>
  </network>
  <jet enabled="false"/>
  <map name="default">
    <backup-count>${backupCount}</backup-count>
    <!-- Statistics on (the default), read by DsbenchMember's endpoint. -->
    <statistics-enabled>true</statistics-enabled>${eviction}
  </map>
</hazelcast>
`;
}

/** Member properties that differ from Hazelcast's defaults, each with why. */
export function memberProperties(partitionCount: number): Record<string, string> {
  return {
    // Never call hazelcast.com from a benchmark.
    "hazelcast.phone.home.enabled": "false",
    // Bind the member port on 127.0.0.1 only, not on every interface.
    "hazelcast.socket.bind.any": "false",
    "hazelcast.partition.count": String(partitionCount),
    // A SIGTERM (the engine API's clean stop) is a graceful shutdown: a member hands its
    // partitions over before it leaves, as an operator's planned restart would.
    "hazelcast.shutdownhook.policy": "GRACEFUL",
    "hazelcast.graceful.shutdown.max.wait": "30",
    // A killed member is declared dead after 5 s without heartbeats instead of 60 s, so a
    // crash experiment measures the cluster's recovery and not the default timeout.
    "hazelcast.heartbeat.interval.seconds": "1",
    "hazelcast.max.no.heartbeat.seconds": "5",
    // One member starting alone need not wait for others (default 5 s of join search).
    "hazelcast.wait.seconds.before.join": "0",
    "hazelcast.health.monitoring.level": "OFF",
    "hazelcast.logging.type": "jdk",
  };
}
