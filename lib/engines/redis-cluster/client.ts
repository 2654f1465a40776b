/**
 * Redis Cluster's client helpers: an ioredis `Cluster` client that follows MOVED/ASK
 * redirections, the cluster's topology read from `CLUSTER NODES` (which node serves which
 * slots, who replicates whom), Redis's key → slot function (CRC16 of the key or of its
 * `{hash tag}`), and the server-side redirection counters (`INFO errorstats`).
 *
 * The topology is read from any one node, so the same helpers serve a cluster we started and
 * an external one reached through `BENCH_REDIS_CLUSTER_URL` (one seed node).
 *
 * @module
 */

import { Cluster, type ClusterOptions, Redis } from "ioredis";
import type { EngineNode } from "../types.ts";
import { connectRedis, parseRedisInfo } from "../redis/client.ts";

/** Every hash slot of a Redis Cluster (keys map to one of 16384 slots). */
export const CLUSTER_SLOTS = 16384;

/** One node of a cluster as `CLUSTER NODES` reports it. */
export interface ClusterNodeInfo {
  /** The node's 40-character cluster id. */
  id: string;
  host: string;
  port: number;
  role: "primary" | "replica";
  /** A replica's primary id ("-" for primaries). */
  primaryId: string;
  /** Slot ranges served, inclusive `[from, to]` (primaries only). */
  slots: [number, number][];
  /** False when the node is flagged `fail`/`pfail` or disconnected. */
  healthy: boolean;
}

/** Parse the text of `CLUSTER NODES`. */
export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  const out: ClusterNodeInfo[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(" ");
    if (f.length < 8) continue;
    const [id, addr, flags, primaryId, , , , link, ...slotFields] = f;
    const hostPort = addr.split("@")[0];
    const i = hostPort.lastIndexOf(":");
    const slots: [number, number][] = [];
    for (const s of slotFields) {
      if (s.startsWith("[")) continue; // a slot being imported/migrated: not served yet
      const [a, b] = s.split("-").map(Number);
      slots.push([a, b ?? a]);
    }
    out.push({
      id,
      host: hostPort.slice(0, i),
      port: Number(hostPort.slice(i + 1)),
      role: flags.includes("master") ? "primary" : "replica",
      primaryId,
      slots,
      healthy: !/fail|noaddr|handshake/.test(flags) && link === "connected",
    });
  }
  return out;
}

/** Number of slots in a node's ranges. */
export function slotCount(node: Pick<ClusterNodeInfo, "slots">): number {
  return node.slots.reduce((n, [a, b]) => n + b - a + 1, 0);
}

/** The cluster's nodes, read from `seed` (primaries first, ordered by port). */
export async function clusterTopology(seed: Pick<EngineNode, "url">): Promise<ClusterNodeInfo[]> {
  const client = await connectRedis(seed);
  try {
    const text = String(await client.call("CLUSTER", "NODES"));
    return parseClusterNodes(text).sort((a, b) =>
      a.role === b.role ? a.port - b.port : a.role === "primary" ? -1 : 1
    );
  } finally {
    client.disconnect();
  }
}

/** `CLUSTER INFO` of one node as key → value. */
export async function clusterInfo(node: Pick<EngineNode, "url">): Promise<Record<string, string>> {
  const client = await connectRedis(node);
  try {
    return parseRedisInfo(String(await client.call("CLUSTER", "INFO")));
  } finally {
    client.disconnect();
  }
}

/**
 * A connected ioredis Cluster client seeded with `seeds`. It reads the slot map at connect,
 * follows MOVED (and refreshes its map) and ASK (one-off redirect during a slot migration)
 * itself, reads from primaries only, and fails a command after `maxRedirections` hops.
 */
export async function connectRedisCluster(
  seeds: readonly Pick<EngineNode, "host" | "port">[],
  options: ClusterOptions = {},
): Promise<Cluster> {
  const cluster = new Cluster(seeds.map((s) => ({ host: s.host, port: s.port })), {
    scaleReads: "master",
    maxRedirections: 16,
    // Follow a MOVED at once (ioredis waits 0 ms by default too, but says so here on purpose:
    // the redirection cost is what a reshard experiment measures).
    retryDelayOnMoved: 0,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 50,
    slotsRefreshTimeout: 2000,
    enableReadyCheck: true,
    lazyConnect: true,
    redisOptions: { connectTimeout: 2000, maxRetriesPerRequest: 2 },
    clusterRetryStrategy: (times) => (times > 5 ? null : 100 * times),
    ...options,
  });
  cluster.on("error", () => {}); // failures reach callers through rejected commands
  await cluster.connect();
  return cluster;
}

/** CRC16/XMODEM, the checksum Redis Cluster hashes keys with. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

/**
 * The hash slot of a key: CRC16 of the key mod 16384, or of the text between the first `{`
 * and the next `}` when that is non-empty (a hash tag: `{user:42}:cart` and
 * `{user:42}:session` share a slot, so one node serves both and multi-key commands work).
 */
export function keySlot(key: string): number {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(new TextEncoder().encode(key)) % CLUSTER_SLOTS;
}

/** Redirections and cross-slot refusals a primary has answered (Redis 7 `INFO errorstats`). */
export interface RedirectCounts {
  moved: number;
  ask: number;
  tryagain: number;
  crossslot: number;
}

/** Sum of the redirection counters over `nodes`. */
export async function redirectCounts(
  nodes: readonly Pick<EngineNode, "url">[],
): Promise<RedirectCounts> {
  const total: RedirectCounts = { moved: 0, ask: 0, tryagain: 0, crossslot: 0 };
  for (const node of nodes) {
    const client = await connectRedis(node);
    try {
      const info = parseRedisInfo(String(await client.call("INFO", "errorstats")));
      const count = (name: string) =>
        Number(/count=(\d+)/.exec(info[`errorstat_${name}`] ?? "")?.[1] ?? 0);
      total.moved += count("MOVED");
      total.ask += count("ASK");
      total.tryagain += count("TRYAGAIN");
      total.crossslot += count("CROSSSLOT");
    } finally {
      client.disconnect();
    }
  }
  return total;
}

/** Zero the statistics (errorstats included) on `nodes` (`CONFIG RESETSTAT`). */
export async function resetStats(nodes: readonly Pick<EngineNode, "url">[]): Promise<void> {
  for (const node of nodes) {
    const client = await connectRedis(node);
    try {
      await client.call("CONFIG", "RESETSTAT");
    } finally {
      client.disconnect();
    }
  }
}

/** A plain (non-cluster) connection to one node, for admin commands such as slot migration. */
export function connectNode(node: Pick<EngineNode, "url">): Promise<Redis> {
  return connectRedis(node);
}
