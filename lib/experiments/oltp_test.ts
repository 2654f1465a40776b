// The OLTP experiment end to end on real engines at a tiny size: rows for every
// configuration, an invariant verdict per run, CockroachDB skipped with its reason.

import assert from "node:assert/strict";
import { oltpConfig, runOltp } from "./oltp.ts";
import { invariantTally, oltpSkipped, oltpSummary } from "./oltp/summary.ts";

Deno.test("oltp: a quick sweep yields throughput, latency, aborts and a verdict per run", async () => {
  const config = oltpConfig({
    run: true,
    scale: "quick",
    repetitions: 1,
    concurrency: [1, 4],
    durationS: 0.5,
    warmupS: 0.1,
    progress: "silent",
  });
  const rows = await runOltp(config, () => {});
  const tput = oltpSummary(rows, "throughput");
  assert.equal(tput.length, 2 * 2 * 2, "engines × isolation × concurrency");
  assert.ok(tput.every((p) => p.mean > 0));
  assert.equal(oltpSummary(rows, "latency_p99", "checkout").length, 8);
  assert.equal(oltpSummary(rows, "abort_rate", "checkout").length, 8);
  assert.deepEqual(invariantTally(rows), { runs: 8, violated: 0 });
  const skipped = oltpSkipped(rows);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0].reason, /^cockroachdb skipped: /);
  for (const r of rows) assert.equal(r.scale, "quick");
});

Deno.test("oltp: bad configuration is one clear line", () => {
  assert.throws(
    () => oltpConfig({ concurrency: [0] }),
    /^Error: oltp: concurrency must be an integer 1\.\.256, got 0$/,
  );
  assert.throws(() => oltpConfig({ engines: ["oracle" as "postgres"] }), /unknown engine "oracle"/);
  assert.throws(() => oltpConfig({ scale: "huge" }), /huge/);
});
