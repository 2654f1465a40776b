/**
 * What a cache must offer the cache experiment (YCSB's habit: the workload knows only these
 * verbs; one binding file per engine). A binding declares how it is sized (a memory budget
 * applied at run time or at start), which eviction policies it offers, what it takes not to
 * evict at all, and its persistence configurations; the experiment plans every part from
 * those declarations. A {@link CacheBackend} belongs to one started engine: it opens
 * per-worker clients for the data path and reads, resets and flushes the engine's own counters
 * on a separate admin path, so counter reads never count as lookups.
 *
 * @module
 */

import type { Engine, EngineSpec } from "../../engines/mod.ts";
import type { EngineConfig } from "../../results/mod.ts";
import type { Binding } from "../binding.ts";

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
  /**
   * True when the engine counts a SET that replaces a stored entry as a hit (Hazelcast's map
   * `hits`): two workers that miss the same key both store it, and the second store is then
   * a hit on the engine's side. The client counts such overwrites and the accounting check
   * takes them off the engine's hits.
   */
  readonly overwriteCountsAsHit?: boolean;
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

/** Start settings of one engine configuration. */
export type StartSettings = Readonly<Record<string, string | number>>;

/** A memory budget in effect: the engine's limit and the settings rows record. */
export interface BudgetApplied {
  /** The limit the engine enforces (bytes). */
  limitBytes: number;
  /** The settings that matter for the rows' engine_config. */
  config: EngineConfig;
}

/** How a binding gives the cache a memory budget for its data. */
export type BudgetControl =
  | {
    /** Set on a running engine (one engine start per policy serves every budget). */
    kind: "runtime";
    /**
     * Called once per started engine, after a flush; returns how to apply a budget of
     * `dataBytes` for data (the binding adds whatever its engine counts beyond data).
     */
    prepare(
      engine: Engine,
      backend: CacheBackend,
      policy: string,
    ): Promise<(dataBytes: number) => Promise<BudgetApplied>>;
  }
  | {
    /** A start setting: one engine start per budget. */
    kind: "start";
    /** The start settings for a budget of `dataBytes`, and what will be in effect. */
    settings(
      dataBytes: number,
      policy: string,
    ): { settings: StartSettings; applied: BudgetApplied };
  }
  | {
    /** The hit-ratio sweep cannot run on this binding. */
    kind: "none";
    /** One line: why. */
    reason: string;
  };

/** How a binding starts a cluster of its engine (cache_cluster). */
export interface ClusterControl {
  /** Spec fields of a cluster of `members` with `backupCount` backup copies of every entry. */
  spec(members: number, backupCount: number): Pick<EngineSpec, "options" | "settings">;
  /**
   * Start one more member into the running cluster; resolves once the cluster has handed it
   * its share (the engine's migration done), with what the engine reports of that migration.
   */
  join(engine: Engine): Promise<JoinReport>;
  /**
   * Resolve once every running member sees exactly the running members and the data has been
   * re-placed (after a kill); rejects after `timeoutMs`.
   */
  settled(engine: Engine, timeoutMs?: number): Promise<void>;
}

/** A member's join as the engine reports it. */
export interface JoinReport {
  /** The new node's name (for a later kill). */
  node: string;
  /** The migration the join caused, by the engine's clock (s); NaN when it reports none. */
  migrationS: number;
  /** Partition replicas the migration moved. */
  migrations: number;
}

/** A cache engine bound to the experiment. */
export interface CacheBinding extends Binding {
  /** Eviction policies the sweep runs, each with the start settings that select it. */
  readonly policies: readonly { id: string; settings: StartSettings }[];
  /**
   * The budgets (% of the hot set) the sweep runs on this binding, of those configured
   * (default all): where each budget costs an engine start, a variant may sweep fewer.
   */
  readonly budgetsPct?: readonly number[];
  /** How the hit-ratio sweep sizes it. */
  readonly budget: BudgetControl;
  /** Start settings for the consistency runs: memory enough that nothing is evicted. */
  readonly unbounded: StartSettings;
  /**
   * Persistence configurations of the session store (each one engine start); `options` are
   * the engine's start options (e.g. a Hazelcast cluster whose backups outlive a member).
   */
  readonly persistence: readonly {
    id: string;
    settings: StartSettings;
    options?: Readonly<Record<string, unknown>>;
  }[];
  /** Clustering, for the part `cache_cluster` (bindings without it skip that part). */
  readonly cluster?: ClusterControl;
  /** The backend on a started engine. */
  backend(engine: Engine): Promise<CacheBackend>;
}
