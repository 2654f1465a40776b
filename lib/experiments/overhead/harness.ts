/**
 * The harness side of the overhead benchmark: the same operation as the C tool, driven by
 * lib/load's closed loop with one connection per worker slot and one operation in flight
 * per connection (no pipelining), through one of several client techniques, so the CSV
 * shows how much each technique costs.
 *
 * @module
 */

import { connectPostgres } from "../../engines/postgres/client.ts";
import { connectRedis } from "../../engines/redis/client.ts";
import type { EngineNode } from "../../engines/types.ts";
import { PgWireConnection } from "../../load/pgwire.ts";
import { encodeCommand, RespConnection } from "../../load/resp.ts";
import type { OpFn } from "../../load/run.ts";
import type { Transport } from "../../load/bytereader.ts";
import { redisBenchmarkKey } from "./tools.ts";

/** pgbench's select-only statement. */
export const PG_SELECT = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";

/** What a technique needs to know about the data. */
export interface HarnessData {
  /** pgbench scale: aids are 1 … 100 000 × scale. */
  pgScale: number;
  /** Redis keys `key:%012d` for 0 … keys − 1. */
  redisKeys: number;
}

/** A prepared harness: the operation for runClosedLoop and how to release it. */
export interface HarnessLoad {
  /** The operation (slot w uses connection w). */
  op: OpFn;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** One way for the harness to issue the operation. */
export interface Technique {
  /** Short id for the CSV's `technique` column. */
  id: string;
  /** Which engine and operation. */
  engine: "postgres" | "redis";
  /** One sentence for the CSV's `technique_detail` column: what the client does. */
  detail: string;
  /** Opens `clients` connections and returns the operation. */
  open(node: EngineNode, clients: number, data: HarnessData): Promise<HarnessLoad>;
}

function pgWire(transport: Transport): Technique["open"] {
  return async (node, clients, data) => {
    const conns = await Promise.all(
      Array.from({ length: clients }, () => PgWireConnection.connect(node.url, transport)),
    );
    try {
      for (const c of conns) await c.prepare("pgbench_select", PG_SELECT);
    } catch (err) {
      conns.forEach((c) => c.close());
      throw err;
    }
    const n = 100_000 * data.pgScale;
    return {
      op: (w, rng) => conns[w].execute([1 + Math.floor(rng.next() * n)]),
      close: () => Promise.resolve(conns.forEach((c: { close(): void }) => c.close())),
    };
  };
}

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

/** Every technique, baseline first. */
export const TECHNIQUES: readonly Technique[] = [
  {
    id: "node-postgres",
    engine: "postgres",
    detail: "node-postgres client, named prepared statement, one client per slot",
    open: async (node, clients, data) => {
      const conns = await Promise.all(Array.from({ length: clients }, () => connectPostgres(node)));
      const n = 100_000 * data.pgScale;
      return {
        op: (w, rng) =>
          conns[w].query({
            name: "pgbench_select",
            text: PG_SELECT,
            values: [1 + Math.floor(rng.next() * n)],
          }),
        close: async () => {
          await Promise.all(conns.map((c: { end(): Promise<void> }) => c.end()));
        },
      };
    },
  },
  {
    id: "pgwire-deno-tcp",
    engine: "postgres",
    detail: "lib/load/pgwire.ts (Bind+Describe+Execute+Sync as libpq) over Deno.connect",
    open: pgWire("deno"),
  },
  {
    id: "pgwire-epoll-ffi",
    engine: "postgres",
    detail: "lib/load/pgwire.ts (Bind+Describe+Execute+Sync as libpq) over lib/load/epoll.ts " +
      "(libc send/recv/epoll_wait via Deno FFI)",
    open: pgWire("epoll"),
  },
  {
    id: "ioredis",
    engine: "redis",
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
    engine: "redis",
    detail: "lib/load/resp.ts (pre-encoded GET, key digits patched) over Deno.connect",
    open: respGet("deno"),
  },
  {
    id: "resp-epoll-ffi",
    engine: "redis",
    detail: "lib/load/resp.ts (pre-encoded GET, key digits patched) over lib/load/epoll.ts " +
      "(libc send/recv/epoll_wait via Deno FFI)",
    open: respGet("epoll"),
  },
];
