/**
 * Sessions and carts on Redis, one code path for a single server and a cluster (ioredis's
 * `Redis` and `Cluster` take the same commands). A user's session (string with a TTL), cart
 * (hash), guest cart (hash) and recently viewed products (list) exist twice: with a hash tag
 * (`{u:42}:session`, `{u:42}:cart`, … — one slot, so one node serves them together) and
 * without (`session:42`, `cart:42`, … — spread over slots). On a single server both behave
 * the same; on a cluster a multi-key read of untagged keys must be split into one command per
 * key (in parallel), and an atomic MULTI over them is refused (CROSSSLOT).
 *
 * @module
 */

import type { Cluster, Redis } from "ioredis";
import { parseRedisInfo } from "../../engines/redis/client.ts";
import type { SessionClient, SessionStore } from "./binding.ts";

type Conn = Redis | Cluster;

const keys = (user: number, tagged: boolean) =>
  tagged
    ? {
      session: `{u:${user}}:session`,
      cart: `{u:${user}}:cart`,
      guest: `{u:${user}}:guest`,
      recent: `{u:${user}}:recent`,
    }
    : {
      session: `session:${user}`,
      cart: `cart:${user}`,
      guest: `guest:${user}`,
      recent: `recent:${user}`,
    };

const sessionValue = (user: number) =>
  JSON.stringify({
    user,
    csrf: `${(user * 2654435761) >>> 0}`.padStart(12, "0"),
    locale: "de-DE",
    seen: Date.UTC(2026, 0, 1),
  });

function sessionClient(c: Conn, clustered: boolean, own: boolean): SessionClient {
  return {
    getSession: (user) => c.get(keys(user, true).session),
    async setSession(user, value, ttlS) {
      await c.set(keys(user, true).session, value, "EX", ttlS);
    },
    async addToCart(user, product, quantity) {
      await c.hincrby(keys(user, true).cart, String(product), quantity);
    },
    async userPage(user, tagged) {
      const k = keys(user, tagged);
      if (tagged || !clustered) {
        // One slot (or one server): one round trip for the three reads.
        const res = await c.pipeline().get(k.session).hgetall(k.cart).lrange(k.recent, 0, 4).exec();
        const failed = res?.find(([err]) => err);
        if (failed) throw failed[0];
        return (res ?? []).map(([, v]) => v);
      }
      // Three slots, up to three nodes: one command each, in parallel.
      return await Promise.all([c.get(k.session), c.hgetall(k.cart), c.lrange(k.recent, 0, 4)]);
    },
    async mergeCart(user, tagged) {
      const k = keys(user, tagged);
      const res = await c.multi().hincrby(k.cart, "1", 1).del(k.guest).hset(k.guest, "2", "1")
        .exec();
      const failed = res?.find(([err]) => err);
      if (failed) throw failed[0];
      if (res === null) throw new Error("MULTI aborted");
    },
    close() {
      if (own) c.disconnect();
      return Promise.resolve();
    },
  };
}

/** Nodes whose counters a store reads (every primary of a cluster, or the one server). */
export interface CounterNodes {
  nodes(): Promise<Redis[]>;
}

/** A {@link SessionStore} over connections made by `connect`. */
export function redisSessionStore(
  clustered: boolean,
  connect: () => Promise<Conn>,
  counterNodes: CounterNodes,
): SessionStore {
  return {
    clustered,
    client: async () => sessionClient(await connect(), clustered, true),
    async populate(users, ttlS) {
      const c = await connect();
      try {
        for (let u = 1; u <= users; u += 200) {
          const batch: Promise<unknown>[] = [];
          for (let user = u; user < Math.min(users + 1, u + 200); user++) {
            for (const tagged of [true, false]) {
              const k = keys(user, tagged);
              batch.push(
                c.set(k.session, sessionValue(user), "EX", ttlS),
                c.hset(k.cart, "1", "1", String(100 + (user % 900)), "2"),
                c.hset(k.guest, "2", "1"),
                c.rpush(k.recent, "3", "5", "8", "13", "21"),
              );
            }
          }
          await Promise.all(batch);
        }
      } finally {
        c.disconnect();
      }
    },
    async crossSlotRefusals() {
      let n = 0;
      for (const node of await counterNodes.nodes()) {
        const info = parseRedisInfo(String(await node.call("INFO", "errorstats")));
        n += Number(/count=(\d+)/.exec(info.errorstat_CROSSSLOT ?? "")?.[1] ?? 0);
        node.disconnect();
      }
      return n;
    },
    async resetCounters() {
      for (const node of await counterNodes.nodes()) {
        await node.call("CONFIG", "RESETSTAT");
        node.disconnect();
      }
    },
    close: () => Promise.resolve(),
  };
}
