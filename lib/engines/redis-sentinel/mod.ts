/**
 * Redis 7 with Sentinel (the recipe measured in /work/shared/ENGINES.md §4): a primary, two
 * replicas and three sentinels (quorum 2), each a private process on 127.0.0.1 on a port below
 * the ephemeral range. Ready when every sentinel sees the two replicas and the two other
 * sentinels. Nodes: `primary`, `replica1`, `replica2`, `sentinel1..3`; after a failover the
 * names stay, the roles move — ask the sentinels ({@link sentinelPrimary}).
 *
 * Options (`EngineSpec.options`): `downAfterMs` (default 1000: ENGINES.md's value, failover in
 * about 2.4 s), `failoverTimeoutMs` (default 5000).
 *
 * @module
 */

import { EngineError } from "../runtime/errors.ts";
import { NativeEngine, nodeAt, stringSettings } from "../runtime/native.ts";
import { freePort, LOOPBACK, waitUntil } from "../runtime/net.ts";
import { missingDebianBinary, NativeServer, requireBinary } from "../runtime/process.ts";
import type { Engine, EngineDefinition, EngineNode, EngineSpec } from "../types.ts";
import { parseRedisInfo, redisCommand } from "../redis/client.ts";

const BIN = "/usr/bin/redis-server";
const SENTINEL = "/usr/bin/redis-sentinel";
/** The name the sentinels monitor the primary under. */
export const MASTER_NAME = "dsbench";

function ms(spec: EngineSpec, name: string, fallback: number): number {
  const v = spec.options?.[name] ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 100 || v > 600_000) {
    throw new EngineError(`redis-sentinel: options.${name} must be an integer 100..600000 ms`);
  }
  return v;
}

/** The primary's address as the sentinels report it (the first that answers). */
export async function sentinelPrimary(
  sentinels: readonly EngineNode[],
): Promise<{ host: string; port: number }> {
  let last: unknown;
  for (const s of sentinels) {
    try {
      const r = await redisCommand(s, "SENTINEL", "get-master-addr-by-name", MASTER_NAME) as
        | string[]
        | null;
      if (r) return { host: r[0], port: Number(r[1]) };
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`no sentinel names a primary (${(last as Error)?.message ?? "none answered"})`);
}

/** The sentinel nodes of an engine started from this definition. */
export function sentinelsOf(engine: Engine): EngineNode[] {
  return engine.nodes.filter((n) => n.role === "sentinel");
}

async function startSentinel(spec: EngineSpec): Promise<Engine> {
  requireBinary(BIN, "redis-server");
  requireBinary(SENTINEL, "redis-sentinel");
  const downAfter = ms(spec, "downAfterMs", 1000);
  const failoverTimeout = ms(spec, "failoverTimeoutMs", 5000);
  const settings: Record<string, string> = {
    save: "", // no snapshots: what survives a failover is what replication carried
    appendonly: "no",
    ...stringSettings(spec),
  };
  return await NativeEngine.launch("redis-sentinel", spec, async (e) => {
    e.settings = {
      ...settings,
      down_after_ms: String(downAfter),
      failover_timeout_ms: String(failoverTimeout),
      quorum: "2",
    };
    const dataNodes: EngineNode[] = [];
    for (const name of ["primary", "replica1", "replica2"]) {
      const port = freePort();
      const node = nodeAt(
        name,
        name === "primary" ? "primary" : "replica",
        port,
        `redis://${LOOPBACK}:${port}`,
        await e.runDir.subdir(name),
      );
      const args = [
        "--port",
        String(port),
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
      if (name !== "primary") args.push("--replicaof", LOOPBACK, String(dataNodes[0].port));
      for (const [k, v] of Object.entries(settings)) args.push(`--${k}`, v);
      dataNodes.push(node);
      await e.startNode(
        new NativeServer(
          name,
          node.role,
          port,
          node.dataDir!,
          `${e.runDir.path}/${name}.log`,
          e.runDir,
          () => ({ cmd: BIN, args, stopSignal: "SIGTERM" }),
        ),
        node,
        () => redisCommand(node, "PING"),
      );
    }
    const sentinels: EngineNode[] = [];
    for (let i = 1; i <= 3; i++) {
      const port = freePort();
      const name = `sentinel${i}`;
      const dir = await e.runDir.subdir(name);
      const conf = `${dir}/sentinel.conf`; // sentinel rewrites its own config: writable
      await Deno.writeTextFile(
        conf,
        [
          `port ${port}`,
          `bind ${LOOPBACK}`,
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} ${LOOPBACK} ${dataNodes[0].port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${downAfter}`,
          `sentinel failover-timeout ${MASTER_NAME} ${failoverTimeout}`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          "",
        ].join("\n"),
      );
      const node = nodeAt(name, "sentinel", port, `redis://${LOOPBACK}:${port}`, dir);
      sentinels.push(node);
      await e.startNode(
        new NativeServer(
          name,
          "sentinel",
          port,
          dir,
          `${e.runDir.path}/${name}.log`,
          e.runDir,
          () => ({ cmd: SENTINEL, args: [conf], stopSignal: "SIGTERM" }),
        ),
        node,
        () => redisCommand(node, "PING"),
      );
    }
    await waitUntil(async () => {
      for (const s of sentinels) {
        const reps = await redisCommand(s, "SENTINEL", "replicas", MASTER_NAME) as unknown[];
        const others = await redisCommand(s, "SENTINEL", "sentinels", MASTER_NAME) as unknown[];
        if (reps.length !== 2 || others.length !== 2) {
          throw new Error(`${s.name} sees ${reps.length} replicas, ${others.length} sentinels`);
        }
      }
    }, { timeoutMs: e.timeoutMs, intervalMs: 100 });
    e.version =
      parseRedisInfo(String(await redisCommand(dataNodes[0], "INFO", "server"))).redis_version;
  });
}

/** Redis Sentinel's definition for the engine registry. */
export const redisSentinel: EngineDefinition = {
  name: "redis-sentinel",
  describe: "Redis 7 (Debian redis-server): a primary, 2 replicas and 3 sentinels, quorum 2",
  urlEnv: "BENCH_REDIS_SENTINEL_URL",
  ping: (node) => redisCommand(node, "PING"),
  version: async (node) =>
    parseRedisInfo(String(await redisCommand(node, "INFO", "server"))).redis_version,
  nativeMissing: () =>
    missingDebianBinary(BIN, "redis-server") ?? missingDebianBinary(SENTINEL, "redis-sentinel"),
  startNative: startSentinel,
  dockerReplicas: false,
};
