import assert from "node:assert/strict";
import {
  type CachedRead,
  checkStaleReads,
  quantileSorted,
  type VersionWrite,
} from "./stale_reads.ts";
import { checkHitAccounting } from "./hit_ratio.ts";

const w = (
  key: number,
  version: number,
  invokeMs: number,
  completeMs: number,
  ok = true,
): VersionWrite => ({
  key,
  version,
  invokeMs,
  completeMs,
  ok,
});
const r = (
  key: number,
  version: number | null,
  invokeMs: number,
  completeMs: number,
  source = "hit",
): CachedRead => ({
  key,
  version,
  invokeMs,
  completeMs,
  source,
});

Deno.test("stale reads: fresh history of reads and writes is fresh", () => {
  const v = checkStaleReads(
    [w(1, 2, 10, 12), w(1, 3, 20, 22)],
    [r(1, 1, 0, 1, "miss"), r(1, 1, 5, 6), r(1, 2, 13, 14), r(1, 3, 23, 24), r(2, 1, 30, 31)],
  );
  assert.equal(v.fresh, true);
  assert.equal(v.reads, 5);
  assert.equal(v.writes, 2);
  assert.equal(v.stale, 0);
  assert.deepEqual(v.bySource, { miss: { reads: 1, stale: 0 }, hit: { reads: 4, stale: 0 } });
});

Deno.test("stale reads: a read of an old version after a newer one was acknowledged is stale, with its age", () => {
  // version 2 acknowledged at 12; a read at 20 still returns 1: stale for 8 ms.
  // version 3 acknowledged at 30; a read at 40 returns 1: first newer ack (12) gives age 28.
  const v = checkStaleReads(
    [w(1, 2, 10, 12), w(1, 3, 25, 30)],
    [r(1, 1, 20, 21), r(1, 1, 40, 41), r(1, 2, 45, 46, "miss")],
  );
  assert.equal(v.fresh, false);
  assert.equal(v.stale, 3);
  assert.deepEqual(v.agesMs, [8, 15, 28]);
  assert.equal(v.bySource.hit.stale, 2);
  assert.equal(v.bySource.miss.stale, 1);
  assert.equal(v.staleRate, 1);
  assert.match(
    v.examples[0],
    /stale_read: read of key 1 from hit returned version 1 .*8\.00 ms before/,
  );
});

Deno.test("stale reads: writes concurrent with the read never make it stale", () => {
  // The write of version 2 is acknowledged at 15, after the read began at 14.
  const v = checkStaleReads([w(1, 2, 10, 15)], [r(1, 1, 14, 16), r(1, 2, 11, 13)]);
  assert.equal(v.stale, 0);
  assert.equal(v.futureReads, 0); // version 2 was being written when the second read ran
  assert.equal(v.fresh, true);
});

Deno.test("stale reads: failed writes are never required, but their version is not a future read", () => {
  const v = checkStaleReads([w(1, 2, 10, 12, false)], [r(1, 1, 20, 21), r(1, 2, 22, 23)]);
  assert.equal(v.stale, 0);
  assert.equal(v.futureReads, 0);
  assert.equal(v.writes, 0);
});

Deno.test("stale reads: versions nobody had written yet are future reads", () => {
  const v = checkStaleReads([w(1, 2, 50, 52)], [r(1, 2, 10, 11), r(1, 7, 60, 61), r(3, 2, 0, 1)]);
  assert.equal(v.futureReads, 3);
  assert.equal(v.fresh, false);
  assert.match(v.examples.join("\n"), /future_read: read of key 1 from hit returned version 2/);
});

Deno.test("stale reads: out-of-order acknowledgements use the earliest newer ack", () => {
  // version 3's ack arrives before version 2's (two clients): a read of 1 at 20 is 10 ms stale.
  const v = checkStaleReads([w(1, 2, 1, 15), w(1, 3, 2, 10)], [r(1, 1, 20, 21), r(1, 2, 20, 21)]);
  assert.deepEqual(v.agesMs, [10, 10]);
});

Deno.test("stale reads: reads of nothing are not judged; keys are compared as strings", () => {
  const v = checkStaleReads(
    [{ key: "product:1", version: 2, invokeMs: 0, completeMs: 1 }],
    [r(1, null, 5, 6), { key: "product:1", version: 1, invokeMs: 5, completeMs: 6, source: "hit" }],
  );
  assert.equal(v.reads, 1);
  assert.equal(v.stale, 1);
});

Deno.test("quantileSorted: nearest rank", () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.99), 4);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});

Deno.test("hit accounting: equal counts agree, a lost lookup or a skewed ratio does not", () => {
  const ok = checkHitAccounting({ hits: 90, misses: 10 }, { hits: 90, misses: 10 });
  assert.equal(ok.agree, true);
  assert.equal(ok.clientRatio, 0.9);
  const extra = checkHitAccounting({ hits: 90, misses: 10 }, { hits: 90, misses: 11 });
  assert.equal(extra.agree, false);
  assert.equal(extra.lookupDiff, 1);
  assert.match(extra.problem, /engine counted 101 lookups, client 100/);
  const loose = checkHitAccounting({ hits: 90, misses: 10 }, { hits: 80, misses: 20 }, {
    lookupTolerance: 5,
  });
  assert.equal(loose.agree, false);
  assert.match(loose.problem, /hit ratio 0\.8000 \(engine\) vs 0\.9000 \(client\)/);
  assert.throws(
    () => checkHitAccounting({ hits: -1, misses: 0 }, { hits: 0, misses: 0 }),
    /client hits must be a count/,
  );
});

Deno.test("stale reads: indeterminate writes (lost acknowledgements) may be read, never required", () => {
  // Version 2's ack was lost at 12 and it did commit; version 3's ack was lost too and it did
  // not, so the next write committed 3 again (acknowledged at 40). Version 4 is in flight.
  const v = checkStaleReads(
    [w(1, 2, 10, 12, false), w(1, 3, 20, 25, false), w(1, 3, 30, 40), {
      key: 1,
      version: 4,
      invokeMs: 50,
      completeMs: Infinity,
      ok: false,
    }],
    [
      r(1, 2, 13, 14), // what the lost write committed: no future read
      r(1, 1, 15, 16), // the lost write need not be seen
      r(1, 3, 21, 22), // possible from 20 on: the first attempt at 3 was invoked then
      r(1, 2, 35, 36), // 3 not acknowledged yet: fine
      r(1, 4, 55, 56), // in flight, may be read
      r(1, 2, 60, 61), // 3 acknowledged at 40: stale, 20 ms
      r(1, 3, 62, 63), // 4 never acknowledged: never required
    ],
  );
  assert.equal(v.futureReads, 0, v.examples.join("; "));
  assert.deepEqual(v.agesMs, [20], v.examples.join("; "));
  assert.equal(v.writes, 1);
});
