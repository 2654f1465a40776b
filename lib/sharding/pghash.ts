/**
 * PostgreSQL's own integer hash, `hashint4(k)`, in TypeScript: Bob Jenkins' lookup3 final mix
 * as `hash_bytes_uint32` in src/common/hashfn.c computes it. The application-level router
 * and PL/Proxy's `RUN ON hashint4(key)` therefore send a key to the same shard, and the
 * test checks this function against a live server's answers.
 *
 * @module
 */

const rot = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** `hashint4(k)` as PostgreSQL returns it (a signed 32-bit integer). */
export function hashint4(k: number): number {
  if (!Number.isInteger(k) || k < -2147483648 || k > 2147483647) {
    throw new Error(`hashint4: ${k} is not a 32-bit integer`);
  }
  let a = (0x9e3779b9 + 4 + 3923095) >>> 0;
  let b = a;
  let c = a;
  a = (a + (k >>> 0)) >>> 0;
  c = ((c ^ b) - rot(b, 14)) >>> 0;
  a = ((a ^ c) - rot(c, 11)) >>> 0;
  b = ((b ^ a) - rot(a, 25)) >>> 0;
  c = ((c ^ b) - rot(b, 16)) >>> 0;
  a = ((a ^ c) - rot(c, 4)) >>> 0;
  b = ((b ^ a) - rot(a, 14)) >>> 0;
  c = ((c ^ b) - rot(b, 24)) >>> 0;
  return c | 0;
}

/** `hashint4(k)` read as unsigned (0..2^32-1), the form routers reduce modulo a shard count. */
export function hashint4Unsigned(k: number): number {
  return hashint4(k) >>> 0;
}
