// The distance part at quick scale, for real: Toxiproxy between a PostgreSQL primary and its
// standby at two round trips. A synchronous commit at the longer one costs at least most of
// the added round trip; the asynchronous standby lags and the crash loses nothing it had.
import assert from "node:assert/strict";
import { experimentParams } from "../params.ts";
import { recordingProgress } from "../testing.ts";
import { FAILOVER, FAILOVER_DISTANCE, failoverConfig, runFailover } from "./mod.ts";

const quick = experimentParams({ scale: "quick", repetitions: 1 });

Deno.test("config: the distance part's keys fail with one line", () => {
  assert.throws(
    () => failoverConfig(quick, { distance: { rttsMs: [20, 5] } }),
    /^Error: failover: distance.rttsMs must ascend, got 20, 5$/,
  );
  assert.throws(
    () => failoverConfig(quick, { distance: { rttsMs: [2.5] } }),
    /^Error: failover: distance.rttsMs must be whole ms/,
  );
  assert.throws(
    () => failoverConfig(quick, { distance: { clients: 0 } }),
    /^Error: failover: distance.clients/,
  );
  const c = failoverConfig(quick, { engines: ["postgres-toxiproxy"] });
  assert.deepEqual(c.distance.rttsMs, [1, 40]);
  assert.equal(c.bindings.length + c.multiPrimaryBindings.length, 0);
});

Deno.test({
  name: "real: sync commit cost and async lag through Toxiproxy at two round trips (quick)",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const config = failoverConfig(quick, { engines: ["postgres-toxiproxy"] });
    const [lo, hi] = config.distance.rttsMs;
    const { seen, progress } = recordingProgress();
    const out = await runFailover(config, progress);
    assert.equal(out.tables[FAILOVER].length, 0);
    const rows = out.tables[FAILOVER_DISTANCE];
    if (seen.skipped.length) {
      // Only a machine without the set-up's Toxiproxy build (Go too old) may skip.
      assert.match(seen.skipped[0][1], /toxiproxy/);
      return;
    }
    const m = (mode: string, rtt: number, metric: string) => {
      const r = rows.find((x) => x.mode === mode && x.rtt_ms === rtt && x.metric === metric);
      assert.ok(r, `${mode}/${rtt}/${metric} present`);
      return Number(r.value);
    };
    for (const mode of ["sync_on", "sync_remote_apply"]) {
      const added = m(mode, hi, "commit_p50_ms") - m(mode, lo, "commit_p50_ms");
      assert.ok(
        added >= 0.75 * (hi - lo),
        `${mode}: p50 grew by ${added.toFixed(1)} ms for ${hi - lo} ms more round trip`,
      );
      assert.ok(m(mode, hi, "commits") > 10);
    }
    assert.ok(m("async", hi, "measured_rtt_ms") >= hi, "the probe sees the round trip");
    // One way is half the round trip: the standby lags at least that much at the median.
    assert.ok(m("async", hi, "lag_p50_ms") >= 0.4 * hi, "the standby lags with distance");
    assert.ok(m("async", hi, "acked_writes") > 50);
    assert.ok(m("async", hi, "lost_acked_writes") >= 0);
  },
});
