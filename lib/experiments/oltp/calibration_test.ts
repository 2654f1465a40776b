// A quick real calibration point (< 60 s): PostgreSQL at 4 clients through node-postgres and
// postgres.js beside pgbench and sysbench, once with the scheduler's placement and once with
// the engine on core 0 and the runner on core 1; the invariant holds after every run and
// every run has a throughput and a client CPU per transaction.

import assert from "node:assert/strict";
import { experimentParams } from "../params.ts";
import { oltpConfig, runOltp } from "./mod.ts";
import { postgresBinding } from "./postgres.ts";
import { recordingProgress } from "../testing.ts";
import { calibrationInvariant, calibrationRatios } from "./calibration_summary.ts";
import { splitCores } from "../../load/placement.ts";

Deno.test("calibration: one PostgreSQL point, shared and split placement, four tools", async () => {
  const config = oltpConfig(experimentParams({ scale: "quick", repetitions: 1 }), {
    bindings: [postgresBinding],
    isolation: ["read committed"],
    concurrency: [4],
    durationS: 0.3,
    warmupS: 0,
    calibration: {
      points: [
        { isolation: "read committed", concurrency: 4 },
        { isolation: "read committed", concurrency: 4, placement: "split" },
      ],
      rounds: 1,
      durationS: 2,
      warmupS: 0.5,
    },
  });
  const { seen, progress } = recordingProgress();
  const cal = (await runOltp(config, progress)).oltp_calibration;
  assert.equal(seen.steps.length, 1 + 2 * 4);
  assert.deepEqual(calibrationInvariant(cal), { runs: 8, violated: 0 });
  const ratios = calibrationRatios(cal);
  assert.equal(ratios.length, 2 * 2 * 2, "2 placements × 2 harness clients × 2 peers");
  for (const r of ratios) assert.ok(r.ratio > 0.05 && r.ratio < 20, JSON.stringify(r));
  const placements = new Set(cal.filter((r) => r.metric === "throughput").map((r) => r.placement));
  assert.deepEqual([...placements].sort(), splitCores() ? ["shared", "split"] : ["shared"]);
  for (const r of cal.filter((r) => r.metric === "client_cpu_per_txn")) {
    assert.ok(Number(r.value) > 0, `${r.tool}: ${r.value} µs/txn`);
  }
  // The runner is back on every core afterwards.
  const status = Deno.readTextFileSync("/proc/self/status");
  assert.match(status, /^Cpus_allowed_list:\s*0-/m);
  console.log(
    ratios.map((r) =>
      `${r.placement} ${r.harness}/${r.peer}: ${r.ratio.toFixed(2)} (${
        r.harnessMean.toFixed(0)
      } vs ${r.peerMean.toFixed(0)})`
    ).join("\n"),
  );
  console.log(
    cal.filter((r) => r.metric === "client_cpu_per_txn").map((r) =>
      `${r.placement} ${r.tool}: ${Number(r.value).toFixed(0)} µs/txn`
    ).join("\n"),
  );
});
