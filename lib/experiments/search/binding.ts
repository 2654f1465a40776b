/**
 * What a search engine must offer the product-search experiment (YCSB's habit: the parts know
 * only these verbs; one binding file per engine implements them). A binding names its engine,
 * the index it builds, and the store that loads the catalog, answers a query with product ids
 * (top k, in the engine's order), and applies a product change.
 *
 * Several bindings may share one engine start (PostgreSQL's GIN, RUM and trigram indexes live
 * in one database): `shared` names the load they share, so the catalog is loaded once.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import type { SearchProduct, SearchQuery } from "../../workload/search.ts";
import type { Binding } from "../binding.ts";

/** What loading the catalog cost. */
export interface LoadFacts {
  /** Seconds to write the rows (and, for engines that index on write, index them). */
  loadS: number;
  /** Seconds to build the index after the load (0 when indexed on write). */
  indexS: number;
  /** Bytes of the index (and table) on the engine, when it tells. */
  bytes: number;
}

/** A loaded engine that answers searches. */
export interface SearchStore {
  /** Top `k` product ids for a query; `slot` picks the connection (0..connections-1). */
  search(q: SearchQuery, k: number, slot: number): Promise<number[]>;
  /** Apply a product change (upsert); resolves once the engine acknowledged it. */
  update(p: SearchProduct, slot: number): Promise<void>;
  /** Close the store's connections (the engine keeps running). */
  close(): Promise<void>;
}

/** A search binding. */
export interface SearchBinding extends Binding {
  /** The index, for rows and prose: "tsvector GIN + ts_rank_cd". */
  readonly index: string;
  /** Query types it is meant for (all when absent); others are still measured and marked. */
  readonly meantFor?: readonly string[];
  /** Bindings with the same `shared` key on one engine start load the catalog once. */
  readonly shared?: string;
  /** Load the catalog (once per shared key) and report what it cost. */
  load(engine: Engine, products: readonly SearchProduct[]): Promise<LoadFacts>;
  /** Open `connections` connections to the loaded engine. */
  open(engine: Engine, connections: number): Promise<SearchStore>;
}

/** A cache in front of a store: results of hot queries kept for `ttlS`. */
export interface SearchCache {
  /** The cached store and its hit counters. */
  wrap(store: SearchStore, ttlS: number, connections: number): Promise<CachedStore>;
}

/** A store behind a cache, with its counters. */
export interface CachedStore extends SearchStore {
  hits: number;
  misses: number;
  /** Zero the counters (after warm-up). */
  resetCounters(): void;
}

/** The cache's binding: the engine that holds hot results. */
export interface CacheBinding extends Binding {
  cache(engine: Engine): SearchCache;
}
