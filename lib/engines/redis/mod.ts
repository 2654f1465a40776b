/**
 * Redis 7: a private primary with replicas (`replicaof`), persistence set per experiment
 * through settings (`appendonly`, `appendfsync`, `save`, `maxmemory`, `maxmemory-policy`).
 * Client helpers: ./client.ts.
 */

import { NativeEngine } from "../runtime/native.ts";
import { assertPortFree, freePort, LOOPBACK, waitUntil } from "../runtime/net.ts";
import { missingDebianBinary, NativeServer, requireBinary } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";
import { parseRedisInfo, redisCommand } from "./client.ts";

const BIN = "/usr/bin/redis-server";

function nodeAt(
  name: string,
  role: "primary" | "replica",
  port: number,
  dataDir: string,
): EngineNode {
  return { name, role, host: LOOPBACK, port, url: `redis://${LOOPBACK}:${port}`, dataDir };
}

async function startRedisNative(spec: EngineSpec): Promise<Engine> {
  requireBinary(BIN, "redis-server");
  if (spec.port) assertPortFree(spec.port, "redis");
  // No RDB snapshots unless asked: persistence is an experiment variable, not a default.
  const settings: Record<string, string> = { save: "", appendonly: "no" };
  for (const [k, v] of Object.entries(spec.settings ?? {})) settings[k] = String(v);
  return await NativeEngine.launch("redis", spec, async (e) => {
    e.settings = settings;
    const primary = nodeAt(
      "primary",
      "primary",
      spec.port ?? freePort(),
      await e.runDir.subdir("primary"),
    );
    await e.startNode(server(e, primary, settings), primary, () => redis.ping(primary));
    for (let i = 1; i <= (spec.replicas ?? 0); i++) {
      const replica = nodeAt(
        `replica${i}`,
        "replica",
        freePort(),
        await e.runDir.subdir(`replica${i}`),
      );
      await e.startNode(
        server(e, replica, { ...settings, replicaof: `${LOOPBACK} ${primary.port}` }),
        replica,
        () => redis.ping(replica),
      );
      await waitForLink(replica, e.timeoutMs);
    }
    e.version = await redis.version(primary);
  }, async (e, name) => {
    if (name !== "primary") {
      await waitForLink(e.replicas.find((r) => r.name === name)!, e.timeoutMs);
    }
  });
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
    // Without this a replica's first full sync waits 5 s for more replicas to join.
    "--repl-diskless-sync-delay",
    "0",
  ];
  for (const [k, v] of Object.entries(settings)) {
    args.push(`--${k}`, ...(k === "replicaof" ? v.split(" ") : [v]));
  }
  return new NativeServer(
    node.name,
    node.role,
    node.port,
    node.dataDir!,
    `${e.runDir.path}/${node.name}.log`,
    e.runDir,
    () => ({
      cmd: BIN,
      args,
      stopSignal: "SIGTERM", // Redis shuts down cleanly on SIGTERM
    }),
  );
}

/** Wait until a replica reports its link to the primary up. */
export async function waitForLink(replica: EngineNode, timeoutMs = 30_000): Promise<void> {
  await waitUntil(async () => {
    const info = parseRedisInfo(String(await redisCommand(replica, "INFO", "replication")));
    if (info.master_link_status !== "up") {
      throw new Error(`${replica.name} link is ${info.master_link_status}`);
    }
  }, { timeoutMs, intervalMs: 50 });
}

/** Redis's definition for the engine registry. */
export const redis: EngineDefinition = {
  name: "redis",
  describe: "Redis 7 (Debian redis-server), primary + replicas, persistence per experiment",
  urlEnv: "BENCH_REDIS_URL",
  ping: (node) => redisCommand(node, "PING"),
  version: async (node) =>
    parseRedisInfo(String(await redisCommand(node, "INFO", "server"))).redis_version,
  nativeMissing: () => missingDebianBinary(BIN, "redis-server"),
  startNative: startRedisNative,
  docker: {
    image: "redis:7",
    port: 6379,
    command: ["redis-server", "--save", "", "--appendonly", "no"],
    settings: (s) => ({ args: Object.entries(s).flatMap(([k, v]) => [`--${k}`, v]) }),
    readyLog: { pattern: /Ready to accept connections/ },
    url: (host, port) => `redis://${host}:${port}`,
  },
  dockerReplicas: false,
};
