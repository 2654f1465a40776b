/**
 * The cache experiment's binding to a cache engine (YCSB's habit: the workload knows only
 * these verbs; one binding per store). A {@link CacheBackend} belongs to one started engine:
 * it opens per-worker clients for the data path and reads, resets and flushes the engine's own
 * counters on a separate admin path, so counter reads never count as lookups.
 */

import type { Engine } from "../../engines/types.ts";

/** One worker's connection to the cache (one operation at a time per worker). */
export interface CacheClient {
  /** The value, or null on a miss. */
  get(key: string): Promise<string | null>;
  /** Many lookups at once (warm-up); same counting as `get` on the engine. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /** Store a value; `ttlS` > 0 expires it after that many seconds. */
  set(key: string, value: string, ttlS?: number): Promise<void>;
  /** Store many values at once (warm-up, session set-up). */
  setMany(entries: readonly (readonly [string, string])[], ttlS?: number): Promise<void>;
  /** Remove a key (missing keys are fine). */
  del(key: string): Promise<void>;
  close(): Promise<void>;
}

/** The engine's own view of a window, read from its statistics. */
export interface CacheCounters {
  /** Lookups that found a value (Redis keyspace_hits, Memcached get_hits). */
  hits: number;
  /** Lookups that found nothing (Redis keyspace_misses, Memcached get_misses). */
  misses: number;
  /** Keys evicted for memory (Redis evicted_keys, Memcached evictions). */
  evictions: number;
  /** Keys stored now. */
  items: number;
  /**
   * Memory the engine holds for data, bytes: Redis `used_memory` (allocator total, including
   * its own ~1 MB baseline and per-key overhead); Memcached slab pages (`total_malloced`) plus
   * its hash table (`hash_bytes`).
   */
  memoryBytes: number;
  /** Bytes of the stored values and keys as the engine counts them (Redis used_memory_dataset,
   * Memcached `bytes`). */
  dataBytes: number;
}

/** The verbs the experiment needs from a cache engine. */
export interface CacheBackend {
  readonly engine: Engine;
  /** Whether the engine's hit/miss counters can be read (Hazelcast's cannot from a client). */
  readonly hasCounters: boolean;
  /** A new data-path client for one worker. */
  client(): Promise<CacheClient>;
  /** Current counters (see {@link CacheCounters}). */
  counters(): Promise<CacheCounters>;
  /** Zero the hit/miss/eviction counters (start of a measured window). */
  resetCounters(): Promise<void>;
  /** Remove every key. */
  flush(): Promise<void>;
  /** Reconnect the admin path after a restart of the engine. */
  close(): Promise<void>;
}
