/**
 * Redis 7 with Sentinel (the recipe measured in the team's shared ENGINES.md §4): a primary, two
 * replicas and three sentinels (quorum 2), each a private process on 127.0.0.1 on a port below
 * the ephemeral range. Ready when every sentinel sees the two replicas and the two other
 * sentinels. Nodes: `primary`, `replica1`, `replica2`, `sentinel1..3`; after a failover the
 * names stay, the roles move — ask the sentinels ({@link sentinelPrimary}).
 *
 * Options (`EngineSpec.options`): `downAfterMs` (default 1000: ENGINES.md's value, failover in
 * about 2.4 s), `failoverTimeoutMs` (default 5000), `netns` (boolean, default false): every
 * server runs in a network namespace of its own on a private bridge (../runtime/netns.ts), so
 * a partition is an nftables rule ({@link asSentinelLab}); servers then listen on their bridge
 * address (the usual ports: every namespace has its own) and on a Unix socket, which is the
 * node `url` clients use — a client in the runner reaches every node whatever the partition,
 * like a client on the node's side. Sentinels name nodes by bridge address then, so match a
 * node by host and port.
 *
 * @module
 */

import { EngineError, EngineUnavailable } from "../runtime/errors.ts";
import { NativeEngine, nodeAt, stringSettings } from "../runtime/native.ts";
import { NetLab } from "../runtime/netns.ts";
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

/** A sentinel engine started with `netns`: its lab, to partition nodes. */
export interface SentinelLab extends Engine {
  readonly lab: NetLab;
}

/** The lab behind an engine started with `netns` (or a one-line error). */
export function asSentinelLab(engine: Engine): SentinelLab {
  if (!(engine as Partial<SentinelLab>).lab) {
    throw new EngineError(`${engine.engine} was not started with options.netns`);
  }
  return engine as SentinelLab;
}

const DATA = ["primary", "replica1", "replica2"];
const SENTINELS = ["sentinel1", "sentinel2", "sentinel3"];

async function startSentinel(spec: EngineSpec): Promise<Engine> {
  requireBinary(BIN, "redis-server");
  requireBinary(SENTINEL, "redis-sentinel");
  const netns = spec.options?.netns ?? false;
  if (typeof netns !== "boolean") {
    throw new EngineError(`redis-sentinel: options.netns must be a boolean, got ${netns}`);
  }
  let lab: NetLab | undefined;
  if (netns) {
    const why = await NetLab.unavailable();
    if (why) throw new EngineUnavailable(`redis-sentinel in network namespaces skipped: ${why}`);
    lab = await NetLab.create([...DATA, ...SENTINELS]);
  }
  let handed = false;
  try {
    return await launchSentinel(spec, lab, () => (handed = true));
  } catch (err) {
    if (lab && !handed) await lab.delete();
    throw err;
  }
}

/**
 * Where a server listens — loopback on a free port, or its bridge address, the usual port and
 * a Unix socket (`sock`, also the url) — and how its command line runs there (`argv`).
 */
function place(lab: NetLab | undefined, name: string, dir: string, port: number) {
  if (!lab) {
    const free = freePort();
    return {
      host: LOOPBACK,
      port: free,
      url: `redis://${LOOPBACK}:${free}`,
      sock: undefined,
      argv: (cmd: string[]) => cmd,
    };
  }
  const sock = `${dir}/${name}.sock`;
  return {
    host: lab.host(name).address,
    port,
    url: sock,
    sock,
    argv: (cmd: string[]) => lab.exec(name, cmd),
  };
}

/** A server command run where {@link place} put it. */
function command(argv: string[]) {
  return { cmd: argv[0], args: argv.slice(1), stopSignal: "SIGTERM" as const };
}

function launchSentinel(spec: EngineSpec, lab: NetLab | undefined, handed: () => void) {
  const downAfter = ms(spec, "downAfterMs", 1000);
  const failoverTimeout = ms(spec, "failoverTimeoutMs", 5000);
  const settings: Record<string, string> = {
    save: "", // no snapshots: what survives a failover is what replication carried
    appendonly: "no",
    ...stringSettings(spec),
  };
  return NativeEngine.launch("redis-sentinel", spec, async (e) => {
    if (lab) {
      handed();
      e.addCleanup(() => lab.delete(), () => lab.deleteNow());
    }
    e.settings = {
      ...settings,
      down_after_ms: String(downAfter),
      failover_timeout_ms: String(failoverTimeout),
      quorum: "2",
      ...(lab ? { network: "netns" } : {}),
    };
    const dataNodes: EngineNode[] = [];
    for (const name of DATA) {
      const dir = await e.runDir.subdir(name);
      const at = place(lab, name, dir, 6379);
      const node: EngineNode = {
        ...nodeAt(name, name === "primary" ? "primary" : "replica", at.port, "", dir),
        host: at.host,
        url: at.url,
      };
      const args = [
        "--port",
        String(at.port),
        "--bind",
        at.host,
        "--dir",
        node.dataDir!,
        "--daemonize",
        "no",
        // Without this a replica's first full sync waits 5 s for more replicas to join.
        "--repl-diskless-sync-delay",
        "0",
        // A bridge address is not loopback: without a password protected mode refuses it.
        ...(at.sock ? ["--protected-mode", "no", "--unixsocket", at.sock] : []),
      ];
      if (name !== "primary") {
        args.push("--replicaof", dataNodes[0].host, String(dataNodes[0].port));
      }
      for (const [k, v] of Object.entries(settings)) args.push(`--${k}`, v);
      dataNodes.push(node);
      await e.startNode(
        new NativeServer(
          name,
          node.role,
          at.port,
          node.dataDir!,
          `${e.runDir.path}/${name}.log`,
          e.runDir,
          () => command(at.argv([BIN, ...args])),
        ),
        node,
        () => redisCommand(node, "PING"),
      );
    }
    const sentinels: EngineNode[] = [];
    for (const name of SENTINELS) {
      const dir = await e.runDir.subdir(name);
      const at = place(lab, name, dir, 26379);
      const port = at.port;
      const conf = `${dir}/sentinel.conf`; // sentinel rewrites its own config: writable
      await Deno.writeTextFile(
        conf,
        [
          `port ${port}`,
          `bind ${at.host}`,
          ...(at.sock ? ["protected-mode no", `unixsocket ${at.sock}`] : []),
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} ${dataNodes[0].host} ${dataNodes[0].port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} ${downAfter}`,
          `sentinel failover-timeout ${MASTER_NAME} ${failoverTimeout}`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          "",
        ].join("\n"),
      );
      const node: EngineNode = {
        ...nodeAt(name, "sentinel", port, "", dir),
        host: at.host,
        url: at.url,
      };
      sentinels.push(node);
      await e.startNode(
        new NativeServer(
          name,
          "sentinel",
          port,
          dir,
          `${e.runDir.path}/${name}.log`,
          e.runDir,
          () => command(at.argv([SENTINEL, conf])),
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
    if (lab) Object.assign(e, { lab });
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
