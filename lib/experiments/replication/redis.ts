/**
 * Redis's replication binding: asynchronous replication, written without and with
 * `WAIT 1 <timeout>` after each write (one cluster: WAIT is the writer's choice). Each write
 * adds its number to a global sorted set (the log the lag watcher reads) and to the key's own
 * sorted set (the register), in one MULTI. The engine's own view is the primary's
 * master_repl_offset against each replica's processed offset, in bytes.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { connectRedis, parseRedisInfo } from "../../engines/redis/client.ts";
import type { Engine } from "../../engines/mod.ts";
import type {
  EngineLagSample,
  ReplicationBinding,
  ReplicationStore,
  ReplReader,
  ReplWriter,
} from "./binding.ts";

/** Redis 7, a primary and replicas (no persistence: replication only). */
export const redisBinding: ReplicationBinding = {
  name: "redis",
  engine: "redis",
  modes: [
    {
      id: "redis_async",
      cluster: { mode: "async" },
      level: "none",
      waitsForReplica: false,
      describe: "Redis replication, asynchronous",
      // WAIT is a command the writer sends, not a server setting: the row must say so.
      engineConfig: { wait: "none" },
    },
    {
      id: "redis_wait",
      cluster: { mode: "async" },
      level: "wait",
      waitsForReplica: true,
      describe: "Redis with WAIT 1 after each write (a replica has received it; WAIT times out)",
      engineConfig: { wait: "WAIT 1" },
    },
  ],
  store: redisReplication,
};

const LOG = "repl:log";
const keyOf = (k: number) => `repl:k:${k}`;

/** A {@link ReplicationStore} for a native Redis primary with replicas. */
export function redisReplication(engine: Engine): ReplicationStore {
  const monitors = new Map<string, Redis>();
  const mon = async (name: string, url: string) => {
    let c = monitors.get(name);
    if (!c) monitors.set(name, c = await connectRedis({ url }));
    return c;
  };
  const offset = async (name: string, url: string, field: string) =>
    Number(parseRedisInfo(String(await (await mon(name, url)).info("replication")))[field]);
  return {
    setup: () => Promise.resolve(), // keys need no schema

    async writer(level, timeoutMs) {
      if (level !== "none" && level !== "wait") {
        throw new Error(`redis: unknown writer level "${level}"; use none or wait`);
      }
      // commandTimeout bounds the client even if the primary itself stops answering.
      const c = await connectRedis(engine.primary, { commandTimeout: timeoutMs + 5000 });
      return {
        async write(seq, key) {
          await c.multi().zadd(LOG, seq, String(seq)).zadd(keyOf(key), seq, String(seq)).exec();
          if (level === "none") return "ok";
          const acked = Number(await c.call("WAIT", 1, timeoutMs));
          return acked >= 1 ? "ok" : "unreplicated";
        },
        close: () => Promise.resolve(c.disconnect()),
      } satisfies ReplWriter;
    },

    async reader(node) {
      const c = await connectRedis(node, { commandTimeout: 30_000 });
      return {
        async read(key) {
          const top = await c.zrevrange(keyOf(key), 0, 0);
          return top.length ? Number(top[0]) : null;
        },
        async visibleAbove(watermark) {
          return (await c.zrangebyscore(LOG, `(${watermark}`, "+inf")).map(Number);
        },
        close: () => Promise.resolve(c.disconnect()),
      } satisfies ReplReader;
    },

    async engineLag() {
      const t0 = performance.now();
      const [head, ...tails] = await Promise.all([
        offset("primary", engine.primary.url, "master_repl_offset"),
        ...engine.replicas.map((r) => offset(r.name, r.url, "slave_repl_offset")),
      ]);
      const tMs = (t0 + performance.now()) / 2;
      return engine.replicas.map((r, i): EngineLagSample => ({
        tMs,
        node: r.name,
        metric: "backlog_bytes",
        value: Math.max(0, head - tails[i]),
      }));
    },

    async position() {
      return {
        value: await offset("primary", engine.primary.url, "master_repl_offset"),
        unit: "bytes" as const,
      };
    },

    close() {
      for (const c of monitors.values()) c.disconnect();
      monitors.clear();
      return Promise.resolve();
    },
  };
}
