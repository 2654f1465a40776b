import assert from "node:assert/strict";
import type { ResultRow } from "../../results/mod.ts";
import { bestTechnique, techniqueRatio, techniqueRatios } from "./summary.ts";

const row = (
  engine: string,
  side: string,
  technique: string,
  metric: string,
  value: number,
  repetition = 0,
): ResultRow =>
  ({
    engine,
    side,
    technique,
    technique_detail: "",
    metric,
    value,
    repetition,
  }) as unknown as ResultRow;

const rows: ResultRow[] = [
  row("pg", "tool", "pgbench", "client_cpu_per_op", 20),
  row("pg", "tool", "pgbench", "client_cpu_per_op", 22, 1),
  row("pg", "harness", "a", "client_cpu_per_op", 40),
  row("pg", "harness", "a", "client_cpu_per_op", 60, 1),
  row("pg", "paired", "a", "throughput_ratio", 0.97),
  row("pg", "paired", "a", "throughput_ratio_ci_low", 0.96),
  row("pg", "paired", "a", "throughput_ratio_ci_high", 0.99),
  row("pg", "paired", "a", "repetitions", 2),
  row("pg", "paired", "b", "throughput_ratio", 0.6),
  row("pg", "paired", "b", "throughput_ratio_ci_low", 0.4),
  row("pg", "paired", "b", "throughput_ratio_ci_high", 0.9),
  // a per-pair ratio must not be read as the paired summary
  row("pg", "ratio", "b", "throughput_ratio", 5),
];

Deno.test("techniqueRatios reads the paired ratio, its interval and CPU means", () => {
  const all = techniqueRatios(rows);
  assert.deepEqual(all.map((r) => r.technique), ["a", "b"]);
  const a = techniqueRatio(rows, "pg", "a");
  assert.deepEqual(a.meetsTarget, true);
  assert.ok(Math.abs(a.halfWidth - 0.015) < 1e-12);
  assert.deepEqual(a.cpuUsPerOp, 50);
  assert.deepEqual(a.toolCpuUsPerOp, 21);
  assert.deepEqual(a.repetitions, 2);
  const b = techniqueRatio(rows, "pg", "b");
  assert.deepEqual(b.ratio, 0.6);
  assert.deepEqual(b.meetsTarget, false);
  assert.deepEqual(Number.isNaN(b.cpuUsPerOp), true);
  assert.throws(() => techniqueRatio(rows, "pg", "c"));
});

Deno.test("bestTechnique picks the highest ratio per engine", () => {
  assert.deepEqual(bestTechnique(rows).map((r) => [r.engine, r.technique]), [["pg", "a"]]);
});
