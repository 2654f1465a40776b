/**
 * Redis's overhead binding: `redis-benchmark` GET as the peer, and the harness doing the same
 * GET through ioredis or the project's own RESP client.
 *
 * @module
 */

import { connectRedis, pipelineIntoRedis } from "../../engines/redis/client.ts";
import type { Transport } from "../../load/bytereader.ts";
import { encodeCommand, RespConnection } from "../../load/resp.ts";
import type { OverheadBinding, Technique } from "./binding.ts";
import { redisBenchmarkKey, runRedisBenchmark } from "./tools.ts";

function respGet(transport: Transport): Technique["open"] {
  return async (node, clients, data) => {
    const conns = await Promise.all(
      Array.from({ length: clients }, () => RespConnection.connect(node.url, transport)),
    );
    // One encoded GET per slot; the 12 key digits are patched in place per operation, as
    // redis-benchmark patches its __rand_int__ placeholder.
    const reqs = conns.map(() => encodeCommand(["GET", redisBenchmarkKey(0)]).slice());
    const keys = data.redisKeys;
    return {
      op: (w, rng) => {
        const req = reqs[w];
        let k = Math.floor(rng.next() * keys);
        for (let i = req.length - 3; i >= req.length - 14; i--) {
          req[i] = 48 + (k % 10);
          k = Math.floor(k / 10);
        }
        return conns[w].send(req);
      },
      close: () => Promise.resolve(conns.forEach((c: { close(): void }) => c.close())),
    };
  };
}

/** Redis 7 against redis-benchmark GET. */
export const redisBinding: OverheadBinding = {
  name: "redis",
  engine: "redis",
  op: "get",
  async prepare(e, d) {
    // Every key redis-benchmark -r can draw exists, with its default 3-byte value.
    const client = await connectRedis(e.primary);
    try {
      const keys = Array.from({ length: d.redisKeys }, (_, k) => redisBenchmarkKey(k));
      await pipelineIntoRedis(client, keys, (p, key) => p.set(key, "xxx"));
    } finally {
      client.disconnect();
    }
  },
  // redis-benchmark runs a request count, not a time: aim at the configured duration at the
  // rate seen here before (~50k/s); its own rps is what it reports either way.
  tool: (e, d) =>
    runRedisBenchmark(
      e.primary,
      d.clients,
      d.redisKeys,
      Math.max(1000, Math.round(50_000 * d.durationS)),
    ),
  techniques: [
    {
      id: "ioredis",
      detail: "ioredis client, one client per slot, no auto-pipelining",
      open: async (node, clients, data) => {
        const conns = await Promise.all(Array.from({ length: clients }, () => connectRedis(node)));
        return {
          op: (w, rng) => conns[w].get(redisBenchmarkKey(Math.floor(rng.next() * data.redisKeys))),
          close: () => Promise.resolve(conns.forEach((c) => c.disconnect())),
        };
      },
    },
    {
      id: "resp-deno-tcp",
      detail: "lib/load/resp.ts (pre-encoded GET, key digits patched) over Deno.connect",
      open: respGet("deno"),
    },
    {
      id: "resp-epoll-ffi",
      detail: "lib/load/resp.ts (pre-encoded GET, key digits patched) over lib/load/epoll.ts " +
        "(libc send/recv/epoll_wait via Deno FFI)",
      open: respGet("epoll"),
    },
  ],
};
