// The OLTP experiment end to end on real engines at a tiny size: rows for every configuration
// a binding declares, an invariant verdict per run, unavailable engines skipped with their
// reason — and a throw-away binding is planned, run and skipped like any other.

import assert from "node:assert/strict";
import { experimentParams } from "../params.ts";
import type { OltpBinding } from "./binding.ts";
import { OLTP_BINDINGS } from "./bindings.ts";
import { oltpConfig, runOltp } from "./mod.ts";
import { postgresBinding } from "./postgres.ts";
import { invariantTally, oltpSkipped, oltpSummary } from "./summary.ts";
import { calibrationInvariant, calibrationRatios, clientCpu } from "./calibration_summary.ts";
import { recordingProgress } from "../testing.ts";

const quick = experimentParams({ scale: "quick", repetitions: 1 });

const recorder = recordingProgress;

Deno.test("oltp: a quick sweep yields throughput, latency, aborts and a verdict per run", async () => {
  const config = oltpConfig(quick, { concurrency: [1, 4], durationS: 0.5, warmupS: 0.1 });
  const { seen, progress } = recorder();
  const out = await runOltp(config, progress);
  const rows = out.oltp_throughput;
  const tput = oltpSummary(rows, "throughput");
  assert.equal(tput.length, 2 * 2 * 2, "engines × isolation × concurrency");
  assert.ok(tput.every((p) => p.mean > 0));
  assert.equal(oltpSummary(rows, "latency_p99", "checkout").length, 8);
  assert.equal(oltpSummary(rows, "abort_rate", "checkout").length, 8);
  assert.deepEqual(invariantTally(rows), { runs: 8, violated: 0 });
  const skipped = oltpSkipped(rows);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0].reason, /^cockroachdb skipped: /);
  // CockroachDB declares SERIALIZABLE only: 2 of its planned runs, skipped. Calibration:
  // one point, one round: harness (node-postgres, postgres.js) + pgbench + sysbench on
  // PostgreSQL, harness + sysbench on MariaDB.
  assert.equal(seen.planned, 8 + 2 + 4 + 2);
  assert.equal(seen.steps.length, 8 + 6);
  assert.deepEqual(seen.skipped.map(([n]) => n), [2]);
  for (const r of rows) assert.equal(r.scale, "quick");
  const cal = out.oltp_calibration;
  assert.deepEqual(
    calibrationRatios(cal).map((r) => `${r.engine} ${r.harness}/${r.peer} c=${r.concurrency}`),
    [
      "mariadb harness/sysbench c=2",
      "postgres harness/pgbench c=2",
      "postgres harness/sysbench c=2",
      "postgres harness:postgres.js/pgbench c=2",
      "postgres harness:postgres.js/sysbench c=2",
    ],
  );
  for (const r of calibrationRatios(cal)) assert.ok(r.ratio > 0.05 && r.ratio < 20, `${r.ratio}`);
  assert.deepEqual(calibrationInvariant(cal), { runs: 6, violated: 0 });
  for (const c of clientCpu(cal)) assert.ok(c.usPerTxn > 0, `${c.tool} on ${c.engine}: CPU`);
});

Deno.test("oltp: a throw-away binding is planned and run, another skipped with its reason", async () => {
  const relaxed: OltpBinding = {
    ...postgresBinding,
    name: "postgres-async-commit",
    spec: { settings: { synchronous_commit: "off" } },
    isolation: ["read committed"],
  };
  const absent: OltpBinding = {
    ...postgresBinding,
    name: "timescaledb",
    engine: "timescaledb",
  };
  const config = oltpConfig(quick, {
    bindings: [relaxed, absent],
    concurrency: [2],
    durationS: 0.3,
    warmupS: 0,
    calibration: { points: [], rounds: 0, durationS: 1, warmupS: 0 },
  });
  const { seen, progress } = recorder();
  const rows = (await runOltp(config, progress)).oltp_throughput;
  assert.equal(seen.planned, 1 + 2);
  assert.deepEqual(seen.steps, ["postgres-async-commit read committed c=2 rep 1"]);
  const measured = rows.filter((r) => r.metric === "throughput" && r.op === "all");
  assert.equal(measured.length, 1);
  assert.equal(measured[0].engine, "postgres");
  assert.match(measured[0].engine_config, /synchronous_commit=off/);
  assert.deepEqual(oltpSkipped(rows).map((s) => s.engine), ["timescaledb"]);
  assert.match(oltpSkipped(rows)[0].reason, /^timescaledb skipped: .*not installed/);
});

Deno.test("oltp: bad configuration is one clear line", () => {
  assert.throws(
    () => oltpConfig(quick, { concurrency: [0] }),
    /^Error: oltp: concurrency must be an integer 1\.\.256, got 0$/,
  );
  assert.throws(() => oltpConfig(quick, { engines: ["oracle"] }), /no binding "oracle"/);
  assert.throws(() => experimentParams({ scale: "huge" }), /huge/);
  assert.equal(OLTP_BINDINGS.length, 3);
});
