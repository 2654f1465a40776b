/**
 * Redis's binding: its three persistence choices judged by kill -9 — RDB snapshots on
 * Redis's default schedule, the append-only file fsynced every second, and fsynced on every
 * write — with one `SET` per acknowledged write.
 *
 * @module
 */

import { connectRedis, pipelineIntoRedis, redisCommand } from "../../engines/redis/client.ts";
import type { BackupBinding, Ledger } from "./binding.ts";

const PREFIX = "ledger:";

const ledger: Ledger = {
  setup: () => Promise.resolve(),
  async writer(node) {
    const c = await connectRedis(node);
    return {
      write: async (key) => {
        await c.set(`${PREFIX}${key}`, "1");
      },
      close: () => Promise.resolve(c.disconnect()),
    };
  },
  async keys(node) {
    const c = await connectRedis(node);
    try {
      const out = new Set<string>();
      let cursor = "0";
      do {
        const [next, batch] = await c.scan(cursor, "MATCH", `${PREFIX}*`, "COUNT", 5000);
        for (const k of batch) out.add(k.slice(PREFIX.length));
        cursor = next;
      } while (cursor !== "0");
      return out;
    } finally {
      c.disconnect();
    }
  },
};

/** Redis 7.0 with each persistence mode. */
export const redisBinding: BackupBinding = {
  name: "redis",
  engine: "redis",
  persistence: {
    ledger,
    modes: [
      {
        name: "rdb",
        // Redis's own default schedule (the engine module turns snapshots off unless asked).
        settings: { save: "3600 1 300 100 60 10000", appendonly: "no" },
        describe: "RDB snapshot on Redis's default schedule (after 60 s with 10 000 writes)",
      },
      {
        name: "aof_everysec",
        settings: { save: "", appendonly: "yes", appendfsync: "everysec" },
        describe: "append-only file, fsync once a second",
      },
      {
        name: "aof_always",
        settings: { save: "", appendonly: "yes", appendfsync: "always" },
        describe: "append-only file, fsync before every acknowledgement",
      },
    ],
    async preload(node, keys) {
      const c = await connectRedis(node);
      try {
        const value = "v".repeat(100);
        const ids = (function* () {
          for (let i = 0; i < keys; i++) yield i;
        })();
        await pipelineIntoRedis(c, ids, (p, i) => p.set(`fill:${i}`, value));
      } finally {
        c.disconnect();
      }
    },
    async snapshot(node) {
      await redisCommand(node, "SAVE");
    },
    async size(node) {
      return Number(await redisCommand(node, "DBSIZE"));
    },
  },
};
