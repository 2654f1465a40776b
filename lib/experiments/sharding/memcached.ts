/**
 * Memcached's binding: one node of a client-placed pool, spoken to in the text protocol with
 * pipelined `set ... noreply` batches (closed by a `mn` no-op) and multi-key `get`, so a pool
 * of tens of thousands of keys fills and reads in a fraction of a second; the node's own
 * `get_hits`/`get_misses` count every lookup too.
 *
 * @module
 */

import { memcachedStats } from "../../engines/memcached/client.ts";
import type { Engine } from "../../engines/mod.ts";
import type { PoolNode, ShardingBinding } from "./binding.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A text-protocol connection that writes requests and reads until a reply terminator. */
class TextConnection {
  private pending = new Uint8Array(0);
  private constructor(private readonly conn: Deno.TcpConn) {}

  static async open(host: string, port: number): Promise<TextConnection> {
    return new TextConnection(await Deno.connect({ hostname: host, port }));
  }

  /** Send `request`, return the reply up to and including the first `terminator`. */
  async call(request: string, terminator: string): Promise<string> {
    const bytes = enc.encode(request);
    for (let at = 0; at < bytes.length;) at += await this.conn.write(bytes.subarray(at));
    const buf = new Uint8Array(65536);
    for (;;) {
      const text = dec.decode(this.pending);
      const end = text.indexOf(terminator);
      if (end >= 0 && (end === 0 || text[end - 1] === "\n")) {
        this.pending = this.pending.subarray(
          enc.encode(text.slice(0, end + terminator.length)).length,
        );
        return text.slice(0, end);
      }
      const n = await this.conn.read(buf);
      if (n === null) throw new Error("memcached closed the connection");
      const merged = new Uint8Array(this.pending.length + n);
      merged.set(this.pending);
      merged.set(buf.subarray(0, n), this.pending.length);
      this.pending = merged;
    }
  }

  close() {
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

/** A {@link PoolNode} on a started Memcached engine. */
export async function memcachedPoolNode(engine: Engine): Promise<PoolNode> {
  const { host, port } = engine.primary;
  const conn = await TextConnection.open(host, port);
  return {
    name: `${host}:${port}`,
    async setMany(entries) {
      for (let i = 0; i < entries.length; i += 500) {
        const batch = entries.slice(i, i + 500)
          .map(([k, v]) => `set ${k} 0 0 ${enc.encode(v).length} noreply\r\n${v}\r\n`).join("");
        await conn.call(`${batch}mn\r\n`, "MN\r\n");
      }
    },
    async getMany(keys) {
      const out: (string | null)[] = [];
      for (let i = 0; i < keys.length; i += 100) {
        const batch = keys.slice(i, i + 100);
        const reply = await conn.call(`get ${batch.join(" ")}\r\n`, "END\r\n");
        const found = new Map<string, string>();
        for (const m of reply.matchAll(/VALUE (\S+) \d+ \d+\r\n([^\r]*)\r\n/g)) {
          found.set(m[1], m[2]);
        }
        for (const k of batch) out.push(found.get(k) ?? null);
      }
      return out;
    },
    async counters() {
      const s = await memcachedStats(engine.primary);
      return {
        hits: Number(s.get_hits),
        misses: Number(s.get_misses),
        items: Number(s.curr_items),
      };
    },
    async flush() {
      await conn.call("flush_all\r\n", "OK\r\n");
    },
    close() {
      conn.close();
      return Promise.resolve();
    },
  };
}

/** Memcached 1.6 as a node of a client-placed pool. */
export const memcachedBinding: ShardingBinding = {
  name: "memcached",
  engine: "memcached",
  pool: { urlsEnv: "BENCH_MEMCACHED_POOL_URLS", node: memcachedPoolNode },
};
