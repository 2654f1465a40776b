/**
 * Redis's binding: the storefront's "my orders" view, one hash per customer (order → status),
 * its checkpoint in the same MULTI/EXEC as the writes so a projector that dies mid-batch
 * leaves either the whole batch or none of it.
 *
 * @module
 */

import type { Redis } from "ioredis";
import { connectRedis } from "../../engines/redis/client.ts";
import type { EngineNode } from "../../engines/mod.ts";
import {
  after,
  type Checkpoint,
  ORIGIN,
  type ReadModel,
  statusAfter,
  type StoredEvent,
} from "./domain.ts";
import type { EsBinding, ProjectionSink, ReadModelAdmin } from "./binding.ts";

/** Redis 7, one server, no persistence (a read model is rebuilt from the events). */
export const redisBinding: EsBinding = {
  name: "redis",
  engine: "redis",
  readModel: (engine) => Promise.resolve(redisReadModel(engine.primary)),
};

const CP = "sf:checkpoint";

const parse = (v: string | null): Checkpoint => {
  if (!v) return ORIGIN;
  const [tx, position] = v.split(":").map(Number);
  return { tx, position };
};

class StorefrontSink implements ProjectionSink {
  readonly projection = "storefront" as const;
  constructor(private readonly r: Redis) {}

  async reset() {
    await this.r.flushdb();
  }

  async checkpoint() {
    return parse(await this.r.get(CP));
  }

  async apply(events: readonly StoredEvent[]): Promise<number> {
    const cp = parse(await this.r.get(CP));
    const fresh = events.filter((e) => after(e, cp) && e.stream.startsWith("order-"));
    const last = events.filter((e) => after(e, cp)).at(-1);
    if (!last) return 0;
    const m = this.r.multi();
    for (const e of fresh) {
      m.hset(`sf:c:${e.payload.customer}`, String(e.payload.order), statusAfter(e.type));
    }
    m.set(CP, `${last.tx}:${last.position}`);
    await m.exec();
    return events.filter((e) => after(e, cp)).length;
  }

  async dump(): Promise<ReadModel> {
    const out: ReadModel = new Map();
    let cursor = "0";
    do {
      const [next, keys] = await this.r.scan(cursor, "MATCH", "sf:c:*", "COUNT", 1000);
      cursor = next;
      const p = this.r.pipeline();
      for (const k of keys) p.hgetall(k);
      const res = (await p.exec()) ?? [];
      keys.forEach((k, i) => {
        const h = res[i][1] as Record<string, string>;
        for (const [order, status] of Object.entries(h)) out.set(`${k.slice(5)}:${order}`, status);
      });
    } while (cursor !== "0");
    return out;
  }

  close = () => {
    this.r.disconnect();
    return Promise.resolve();
  };
}

/** The storefront view on one Redis node. */
export function redisReadModel(node: EngineNode): ReadModelAdmin {
  return {
    async sink(projection) {
      if (projection !== "storefront") throw new Error(`redis holds no ${projection} view`);
      return new StorefrontSink(await connectRedis(node, { maxRetriesPerRequest: 2 }));
    },
    close: () => Promise.resolve(),
  };
}
