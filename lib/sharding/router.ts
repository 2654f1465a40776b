/**
 * The application-level shard router — the pattern most shops start with before any sharding
 * middleware: the application knows the shard list, sends a query that carries the shard key
 * to the one shard that owns it, and sends any other query to every shard at once and merges
 * the answers itself (scatter-gather). Shards are whatever the caller connects (connection
 * pools, clients); the router only decides and counts, so the same code routes to private
 * servers and to real hosts.
 *
 * The default mapping is PostgreSQL's `hashint4(key) mod n`, the mapping PL/Proxy's
 * `RUN ON hashint4(key)` uses for power-of-two shard counts, so both paths agree on where a
 * row lives.
 *
 * @module
 */

import { hashint4Unsigned } from "./pghash.ts";

/** Routes keys to one of `shards` and fans queries out to all of them. */
export class ShardRouter<S> {
  /** Shard-queries sent to each shard so far (single-shard and scatter legs alike). */
  readonly sent: number[];
  /** Requests routed to one shard. */
  single = 0;
  /** Requests sent to every shard. */
  scattered = 0;

  /**
   * @param shards the shards, in shard-index order
   * @param shardOfKey index of the shard owning a key (default `hashint4(key) mod n`)
   */
  constructor(
    readonly shards: readonly S[],
    readonly shardOfKey: (key: number, n: number) => number = (key, n) => hashint4Unsigned(key) % n,
  ) {
    if (shards.length === 0) throw new Error("ShardRouter: at least one shard is needed");
    this.sent = new Array(shards.length).fill(0);
  }

  /** The index of the shard that owns `key`. */
  shardOf(key: number): number {
    const i = this.shardOfKey(key, this.shards.length);
    if (!Number.isInteger(i) || i < 0 || i >= this.shards.length) {
      throw new Error(`ShardRouter: key ${key} mapped to shard ${i} of ${this.shards.length}`);
    }
    return i;
  }

  /** Run `fn` on the shard owning `key` (a single-shard request). */
  one<T>(key: number, fn: (shard: S, index: number) => Promise<T>): Promise<T> {
    const i = this.shardOf(key);
    this.single++;
    this.sent[i]++;
    return fn(this.shards[i], i);
  }

  /** Run `fn` on every shard at once and return the answers in shard order (scatter-gather). */
  all<T>(fn: (shard: S, index: number) => Promise<T>): Promise<T[]> {
    this.scattered++;
    return Promise.all(this.shards.map((s, i) => {
      this.sent[i]++;
      return fn(s, i);
    }));
  }

  /** Group keys by owning shard (bulk loads, multi-key reads): shard index → keys. */
  partition<T>(items: Iterable<T>, keyOf: (item: T) => number): T[][] {
    const out: T[][] = this.shards.map(() => []);
    for (const item of items) out[this.shardOf(keyOf(item))].push(item);
    return out;
  }

  /** Forget the counters (start of a measured window). */
  resetCounts(): void {
    this.sent.fill(0);
    this.single = 0;
    this.scattered = 0;
  }
}

/**
 * The gather step of a "top n" scatter-gather: merge per-shard answers that are each sorted
 * by `compare` and keep the first `n` overall (each shard must have returned its own top n).
 */
export function mergeTopN<T>(
  lists: readonly (readonly T[])[],
  n: number,
  compare: (a: T, b: T) => number,
): T[] {
  return lists.flat().sort(compare).slice(0, n);
}

/** The gather step of a counting scatter-gather: per-shard `group → count` maps summed. */
export function sumCounts(
  lists: readonly Readonly<Record<string, number>>[],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lists) for (const [k, v] of Object.entries(l)) out[k] = (out[k] ?? 0) + v;
  return out;
}
