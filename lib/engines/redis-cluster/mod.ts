/**
 * Redis Cluster 7: `primaries` private redis-server processes (default 3), each with
 * `replicasPerPrimary` replicas (default 1), joined by `redis-cli --cluster create` (the
 * recipe measured in the team's shared ENGINES.md §4). Every node takes a port from
 * `freePort([10000])`, since the cluster bus listens on port + 10000. Ready when every node
 * reports `cluster_state:ok`, knows every other node, and every replica follows its primary.
 *
 * Nodes are named `primary1..N` and `replica1..M` (the replica of primary i is replica i when
 * there is one per primary); `kill("primary2")` etc. act on one node. Slot moves are the verb
 * in ./reshard.ts; client helpers (ioredis Cluster, topology, key slots) in ./client.ts.
 *
 * External: `BENCH_REDIS_CLUSTER_URL=redis://host:port` names any one node; clients discover
 * the rest from it. No docker recipe: the docker provider maps one port per container, while a
 * cluster announces every node's own address (and bus port) to its clients.
 *
 * Options (`EngineSpec.options`): `primaries` (1–8), `replicasPerPrimary` (0–2).
 *
 * @module
 */

import { EngineError } from "../runtime/errors.ts";
import { NativeEngine, nodeAt, stringSettings } from "../runtime/native.ts";
import { freePort, LOOPBACK, waitUntil } from "../runtime/net.ts";
import { missingDebianBinary, NativeServer, requireBinary, runTool } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";
import { parseRedisInfo, redisCommand } from "../redis/client.ts";
import { clusterInfo, clusterTopology } from "./client.ts";

const BIN = "/usr/bin/redis-server";
const CLI = "/usr/bin/redis-cli";

function intOption(spec: EngineSpec, name: string, fallback: number, min: number, max: number) {
  const v = spec.options?.[name] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new EngineError(
      `redis-cluster: options.${name} must be an integer ${min}..${max}, got ${v}`,
    );
  }
  return v;
}

async function startClusterNative(spec: EngineSpec): Promise<Engine> {
  requireBinary(BIN, "redis-server");
  requireBinary(CLI, "redis-tools");
  if (spec.port) {
    throw new EngineError("redis-cluster: a fixed port is not supported (one per node)");
  }
  const primaries = intOption(spec, "primaries", 3, 1, 8);
  const perPrimary = intOption(spec, "replicasPerPrimary", 1, 0, 2);
  // redis-cli refuses to create a cluster of fewer than 3 primaries.
  if (primaries < 3) throw new EngineError("redis-cluster: options.primaries must be at least 3");
  const settings: Record<string, string> = {
    save: "", // no RDB snapshots: persistence is not what this engine is for here
    appendonly: "no",
    // ENGINES.md's value: failure detection within ~2 s instead of 15 s.
    "cluster-node-timeout": "2000",
    ...stringSettings(spec),
  };
  return await NativeEngine.launch("redis-cluster", spec, async (e) => {
    e.settings = settings;
    const nodes: EngineNode[] = [];
    const total = primaries * (1 + perPrimary);
    for (let i = 0; i < total; i++) {
      const primary = i < primaries;
      const name = primary ? `primary${i + 1}` : `replica${i - primaries + 1}`;
      const port = freePort([10000]); // the cluster bus listens on port + 10000
      const node = nodeAt(
        name,
        primary ? "primary" : "replica",
        port,
        `redis://${LOOPBACK}:${port}`,
        await e.runDir.subdir(name),
      );
      nodes.push(node);
      await e.startNode(server(e, node, settings), node, () => redisCommand(node, "PING"));
    }
    // The first `primaries` addresses become primaries; redis-cli assigns the rest as
    // replicas, `perPrimary` each, in order.
    await runTool("redis-cli --cluster create", {
      cmd: CLI,
      args: [
        "--cluster",
        "create",
        ...nodes.map((n) => `${n.host}:${n.port}`),
        "--cluster-replicas",
        String(perPrimary),
        "--cluster-yes",
      ],
    });
    await waitForCluster(nodes, primaries, perPrimary, e.timeoutMs);
    e.version =
      parseRedisInfo(String(await redisCommand(nodes[0], "INFO", "server"))).redis_version;
  }, async (e) => {
    await waitForCluster(e.nodes, primaries, perPrimary, e.timeoutMs);
  });
}

/**
 * Wait until every node says `cluster_state:ok` and knows all the others, and the topology
 * shows `perPrimary` replicas on each of the `primaries` primaries (cluster_state becomes ok
 * about a second before the replicas are listed as such).
 */
export async function waitForCluster(
  nodes: readonly EngineNode[],
  primaries: number,
  perPrimary: number,
  timeoutMs = 30_000,
): Promise<void> {
  await waitUntil(async () => {
    for (const n of nodes) {
      const info = await clusterInfo(n);
      if (info.cluster_state !== "ok" || Number(info.cluster_known_nodes) !== nodes.length) {
        throw new Error(
          `${n.name}: cluster_state ${info.cluster_state}, knows ${info.cluster_known_nodes}`,
        );
      }
    }
    const topo = await clusterTopology(nodes[0]);
    const masters = topo.filter((t) => t.role === "primary" && t.slots.length > 0);
    const followers = topo.filter((t) => t.role === "replica" && t.healthy);
    if (masters.length !== primaries || followers.length !== primaries * perPrimary) {
      throw new Error(`${masters.length} primaries with slots, ${followers.length} replicas`);
    }
  }, { timeoutMs, intervalMs: 100 });
}

function server(e: NativeEngine, node: EngineNode, settings: Record<string, string>): NativeServer {
  const args = [
    "--port",
    String(node.port),
    "--bind",
    LOOPBACK,
    "--dir",
    node.dataDir!,
    "--daemonize",
    "no",
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    "nodes.conf", // inside --dir: each node keeps its own
    // Without this a replica's first full sync waits 5 s for more replicas to join.
    "--repl-diskless-sync-delay",
    "0",
  ];
  for (const [k, v] of Object.entries(settings)) args.push(`--${k}`, v);
  return new NativeServer(
    node.name,
    node.role,
    node.port,
    node.dataDir!,
    `${e.runDir.path}/${node.name}.log`,
    e.runDir,
    () => ({ cmd: BIN, args, stopSignal: "SIGTERM" }),
  );
}

/** Redis Cluster's definition for the engine registry. */
export const redisCluster: EngineDefinition = {
  name: "redis-cluster",
  describe: "Redis 7 Cluster (Debian redis-server): 3 primaries + 3 replicas by default",
  urlEnv: "BENCH_REDIS_CLUSTER_URL",
  ping: async (node) => {
    const info = await clusterInfo(node);
    if (info.cluster_state !== "ok") throw new Error(`cluster_state is ${info.cluster_state}`);
  },
  version: async (node) =>
    parseRedisInfo(String(await redisCommand(node, "INFO", "server"))).redis_version,
  nativeMissing: () =>
    missingDebianBinary(BIN, "redis-server") ?? missingDebianBinary(CLI, "redis-tools"),
  startNative: startClusterNative,
  dockerReplicas: false,
};
