// The consistency harness's record of database writes, driven by hand: what the stale-read
// detector concludes from it when acknowledgements are lost.

import assert from "node:assert/strict";
import { type CachedRead, checkStaleReads, type VersionWrite } from "../../checks/stale_reads.ts";
import { recordWrite } from "./write_log.ts";

const read = (version: number, invokeMs: number): CachedRead => ({
  key: 7,
  version,
  invokeMs,
  completeMs: invokeMs + 1,
  source: "miss",
});

Deno.test("a write whose acknowledgement was lost is indeterminate: its version may be read, never required", () => {
  const log: VersionWrite[] = [];
  // Version 2: COMMIT sent at 10, the connection dropped before the ack (it did commit).
  const lost = recordWrite(log, 7, 9);
  lost.committing(2);
  lost.failed(12);
  // Version 3: acknowledged normally.
  const ok = recordWrite(log, 7, 20);
  ok.committing(3);
  ok.acknowledged(22);
  const v = checkStaleReads(log, [
    read(2, 15), // what the lost write committed: not from the future
    read(1, 16), // the lost write need not be seen
    read(3, 30),
  ]);
  assert.equal(v.futureReads, 0, v.examples.join("; "));
  assert.equal(v.stale, 0, v.examples.join("; "));
  assert.equal(v.fresh, true);
  assert.equal(v.writes, 1, "only the acknowledged write counts as a write");
  assert.deepEqual(log.map((w) => [w.version, w.ok ?? true]), [[2, false], [3, true]]);
});

Deno.test("a write that failed before its commit was sent did not happen", () => {
  const log: VersionWrite[] = [];
  recordWrite(log, 7, 1).failed(2);
  assert.deepEqual(log, []);
  const v = checkStaleReads(log, [read(2, 5)]);
  assert.equal(v.futureReads, 1, "nothing could have committed version 2");
});

Deno.test("a write still in flight when the history is judged is indeterminate", () => {
  const log: VersionWrite[] = [];
  recordWrite(log, 7, 1).committing(2);
  assert.equal(log.length, 1, "recorded before the commit is sent, so no read can see it first");
  assert.equal(log[0].ok, false);
  const v = checkStaleReads(log, [read(2, 5), read(1, 6)]);
  assert.equal(v.fresh, true, v.examples.join("; "));
});
