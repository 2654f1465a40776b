/**
 * Where a key lives among cache or database nodes, four ways, and what a node joining costs:
 *
 * - **modulo**: `hash(key) mod n` — perfectly even, but changing n moves almost every key
 *   (n/(n+1) of them when one node joins);
 * - **ketama**: libketama's consistent hashing — each node owns 160 points on a 32-bit ring
 *   (40 MD5 digests of `"<node>-<i>"`, 4 points each), a key goes to the first point at or after
 *   the first 4 bytes of its MD5; a joining node takes ~1/(n+1) of the keys, from every node;
 * - **jump**: Lamping & Veach's jump consistent hash (2014) — no state, perfectly even, moves
 *   exactly the keys the new last bucket takes (~1/(n+1)); nodes can only be added or removed
 *   at the end;
 * - **rendezvous** (highest random weight, Thaler & Ravishankar 1996): each key goes to the
 *   node with the highest hash of (node, key); a join moves ~1/(n+1), at O(n) per lookup.
 *
 * Pure functions (node:crypto's MD5 for ketama, nothing else), so the share of keys moved is
 * computed exactly for any key set, and a client built on {@link placement} puts keys on real
 * nodes the same way.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** The placement schemes compared. */
export const SCHEMES = ["modulo", "ketama", "jump", "rendezvous"] as const;

/** A placement scheme's name. */
export type Scheme = typeof SCHEMES[number];

/** A placement of keys over named nodes: the index of the node that holds a key. */
export interface Placement {
  readonly scheme: Scheme;
  readonly nodes: readonly string[];
  /** Index into {@link nodes} of the node for `key`. */
  nodeOf(key: string): number;
}

/** FNV-1a, 32-bit: the cheap, well-spread string hash the non-MD5 schemes start from. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser: mixes every input bit into every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function md5(text: string): Uint8Array {
  return createHash("md5").update(text).digest();
}

/** libketama's point: 4 bytes of a digest, little-endian. */
function point(d: Uint8Array, h: number): number {
  return ((d[3 + h * 4] << 24) | (d[2 + h * 4] << 16) | (d[1 + h * 4] << 8) | d[h * 4]) >>> 0;
}

/** Points per node on the ketama ring (libketama: 40 digests × 4 points at weight 1). */
export const KETAMA_POINTS = 160;

function ketama(nodes: readonly string[]): (key: string) => number {
  const ring: { at: number; node: number }[] = [];
  nodes.forEach((name, node) => {
    for (let i = 0; i < KETAMA_POINTS / 4; i++) {
      const d = md5(`${name}-${i}`);
      for (let h = 0; h < 4; h++) ring.push({ at: point(d, h), node });
    }
  });
  // Ties (vanishingly rare) break by node index so the ring does not depend on insertion order.
  ring.sort((a, b) => a.at - b.at || a.node - b.node);
  const at = Uint32Array.from(ring.map((p) => p.at));
  const owner = Int32Array.from(ring.map((p) => p.node));
  return (key) => {
    const h = point(md5(key), 0);
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return owner[lo === at.length ? 0 : lo];
  };
}

const JUMP_MUL = 2862933555777941757n;
const MASK64 = (1n << 64n) - 1n;

/** Jump consistent hash of a 64-bit key into `buckets` buckets (the paper's algorithm). */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key & MASK64;
  while (j < buckets) {
    b = j;
    k = (k * JUMP_MUL + 1n) & MASK64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** A 64-bit key for jump hash from two independent 32-bit hashes of the text. */
function key64(text: string): bigint {
  const lo = fmix32(fnv1a32(text));
  const hi = fmix32(fnv1a32(`${text}\u0001`));
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Build a placement of `scheme` over `nodes` (names matter for ketama and rendezvous). */
export function placement(scheme: Scheme, nodes: readonly string[]): Placement {
  if (nodes.length === 0) throw new Error("placement: at least one node is needed");
  const n = nodes.length;
  let nodeOf: (key: string) => number;
  switch (scheme) {
    case "modulo":
      nodeOf = (key) => fmix32(fnv1a32(key)) % n;
      break;
    case "ketama":
      nodeOf = ketama(nodes);
      break;
    case "jump":
      nodeOf = (key) => jumpHash(key64(key), n);
      break;
    case "rendezvous": {
      const seeds = nodes.map((name) => fnv1a32(name));
      nodeOf = (key) => {
        const h = fnv1a32(key);
        let best = 0;
        let bestScore = -1;
        for (let i = 0; i < n; i++) {
          const score = fmix32(h ^ seeds[i]);
          if (score > bestScore) {
            best = i;
            bestScore = score;
          }
        }
        return best;
      };
      break;
    }
    default:
      throw new Error(`placement: unknown scheme "${scheme}"; use ${SCHEMES.join(", ")}`);
  }
  return { scheme, nodes, nodeOf };
}

/** What happens to a key set when the node list changes from `before` to `after`. */
export interface Rebalance {
  keys: number;
  /** Keys whose node changed (by name: a key on the same node name did not move). */
  moved: number;
  /** moved / keys. */
  movedShare: number;
  /** The share a perfect scheme moves: the keys the joining nodes should take. */
  minimalShare: number;
  /** Keys moved that did not go to a new node (between old nodes: pure waste). */
  movedBetweenOld: number;
}

/** Count the keys a node list change moves under one scheme. */
export function rebalance(
  scheme: Scheme,
  before: readonly string[],
  after: readonly string[],
  keys: readonly string[],
): Rebalance {
  const a = placement(scheme, before);
  const b = placement(scheme, after);
  const old = new Set(before);
  let moved = 0;
  let movedBetweenOld = 0;
  for (const key of keys) {
    const from = before[a.nodeOf(key)];
    const to = after[b.nodeOf(key)];
    if (from !== to) {
      moved++;
      if (old.has(to)) movedBetweenOld++;
    }
  }
  const joined = after.filter((x) => !old.has(x)).length;
  return {
    keys: keys.length,
    moved,
    movedShare: keys.length ? moved / keys.length : 0,
    minimalShare: after.length ? joined / after.length : 0,
    movedBetweenOld,
  };
}

/** Share of `keys` each node holds under a placement (sums to 1). */
export function nodeShares(p: Placement, keys: readonly string[]): number[] {
  const counts = new Array(p.nodes.length).fill(0);
  for (const key of keys) counts[p.nodeOf(key)]++;
  return counts.map((c) => (keys.length ? c / keys.length : 0));
}

/** Names for `n` nodes, as a pool of servers would be named (`node1`..`nodeN`). */
export function nodeNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `node${i + 1}`);
}
