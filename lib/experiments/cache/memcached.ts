/**
 * The cache binding for Memcached: memjs (binary protocol) on the data path, the text protocol
 * of the engine API (`stats`, `stats slabs`, `stats reset`, `flush_all`) for counters. memjs
 * retries failed operations by default, which would count one lookup twice on the engine: the
 * client here never retries.
 *
 * @module
 */

import memjs from "memjs";
import { memcachedStats } from "../../engines/memcached/client.ts";
import type { Engine } from "../../engines/mod.ts";
import type { CacheBackend, CacheBinding, CacheClient, CacheCounters } from "./binding.ts";

const SILENT = { log: () => {} };

// deno-lint-ignore no-explicit-any
type MemjsClient = any;

function memcachedClient(client: MemjsClient): CacheClient {
  const get = async (key: string): Promise<string | null> => {
    const { value } = await client.get(key);
    return value === null ? null : value.toString();
  };
  const set = async (key: string, value: string, ttlS = 0) => {
    const ok = await client.set(key, value, { expires: ttlS > 0 ? ttlS : 0 });
    if (!ok) throw new Error(`memcached: set ${key} was not stored`);
  };
  return {
    get,
    // memjs has no multi-get; concurrent requests share the connection's pipeline.
    getMany: (keys) => Promise.all(keys.map(get)),
    set,
    async setMany(entries, ttlS = 0) {
      await Promise.all(entries.map(([k, v]) => set(k, v, ttlS)));
    },
    async del(key) {
      await client.delete(key);
    },
    close() {
      client.close();
      return Promise.resolve();
    },
  };
}

/**
 * Send a one-line text command whose reply is one line (`OK`, `RESET`, `BUSY ...`) and return
 * that line. (The engine API's helper waits for END/OK/VERSION/ERROR; `stats reset` answers
 * RESET.)
 */
async function oneLine(engine: Engine, command: string, timeoutMs = 2000): Promise<string> {
  const conn = await Deno.connect({ hostname: engine.primary.host, port: engine.primary.port });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    await conn.write(new TextEncoder().encode(`${command}\r\n`));
    let text = "";
    const buf = new Uint8Array(1024);
    while (!text.endsWith("\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    return text.trim();
  } catch (err) {
    throw new Error(`memcached ${command}: no reply within ${timeoutMs} ms (${err})`);
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
}

/** Reply of a text command that must say OK/RESET. */
async function expectOk(engine: Engine, command: string): Promise<void> {
  const reply = await oneLine(engine, command);
  if (reply !== "OK" && reply !== "RESET") {
    throw new Error(`memcached ${command}: unexpected reply ${JSON.stringify(reply)}`);
  }
}

/** Start an LRU crawl of every slab class (OK; BUSY while one already runs, also fine). */
async function crawl(engine: Engine): Promise<void> {
  const reply = await oneLine(engine, "lru_crawler crawl all");
  if (reply !== "OK" && !reply.startsWith("BUSY")) {
    throw new Error(`memcached lru_crawler: unexpected reply ${JSON.stringify(reply)}`);
  }
}

/** A {@link CacheBackend} for a started Memcached engine. */
export function memcachedBackend(engine: Engine): Promise<CacheBackend> {
  const { host, port } = engine.primary;
  return Promise.resolve({
    engine,
    hasCounters: true,
    client: () =>
      Promise.resolve(memcachedClient(
        memjs.Client.create(`${host}:${port}`, {
          retries: 1, // one attempt: a retry would be a second lookup on the engine
          timeout: 5, // s; two shared cores can stall a reply well past memjs's 0.5 s default
          logger: SILENT,
        }),
      )),
    async counters(): Promise<CacheCounters> {
      const stats = await memcachedStats(engine.primary);
      const slabs = await memcachedStats(engine.primary, "slabs");
      return {
        hits: Number(stats.get_hits),
        misses: Number(stats.get_misses),
        evictions: Number(stats.evictions),
        items: Number(stats.curr_items),
        memoryBytes: Number(slabs.total_malloced) + Number(stats.hash_bytes),
        dataBytes: Number(stats.bytes),
      };
    },
    resetCounters: () => expectOk(engine, "stats reset"),
    async flush() {
      await expectOk(engine, "flush_all");
      // flush_all only marks items dead; they stay in curr_items (and memory accounting) until
      // the LRU crawler reaps them, ~1 s later. Ask for a crawl now and wait until it is done,
      // so the next window starts from a really empty cache.
      const deadline = performance.now() + 5000;
      await crawl(engine);
      while (Number((await memcachedStats(engine.primary)).curr_items) > 0) {
        if (performance.now() > deadline) {
          throw new Error("memcached: flush_all left items behind for 5 s");
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => Promise.resolve(),
  });
}

const MIB = 1024 * 1024;

/**
 * Memcached's `-m` is whole MiB, and with its default 1 MiB item size limit it refuses less
 * than 2 MiB ("Cannot set item size limit higher than 1/2 of memory max"). Smaller slab pages
 * (`-I 64k -o slab_chunk_max=32`) made memcached 1.6.18 crash on the first set here, so the
 * defaults stay and small budgets are rounded up to 2 MiB.
 */
export const MEMCACHED_MIN_MIB = 2;

/** Memcached 1.6: its segmented LRU, `-m` fixed at start (one server per budget). */
export const memcachedBinding: CacheBinding = {
  name: "memcached",
  engine: "memcached",
  policies: [{ id: "lru", settings: {} }],
  budget: {
    kind: "start",
    settings(dataBytes) {
      const mib = Math.max(MEMCACHED_MIN_MIB, Math.ceil(dataBytes / MIB));
      return {
        settings: { "memory-limit": mib },
        applied: {
          limitBytes: mib * MIB,
          config: { "memory-limit": mib, "slab-growth-factor": 1.25 },
        },
      };
    },
  },
  // No eviction in the consistency runs: staleness must come from the strategy.
  unbounded: { "memory-limit": 1024 },
  persistence: [{ id: "none", settings: {} }],
  backend: memcachedBackend,
};
