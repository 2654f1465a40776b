// The yardstick's arithmetic and what compare says about two machines (no engine started).

import assert from "node:assert/strict";
import { cpuPlacement, yardstickRatio } from "./yardstick.ts";
import { machineSpeedNote } from "../../report/compare.ts";
import type { Yardstick } from "../../results/rundir.ts";

const y = (pg?: number, redis?: number): Yardstick => ({
  pgbench_select_tps: pg,
  redis_get_rps: redis,
  clients: 4,
  placement: "cpus 0-1",
  measured_at: "2026-12-02T03:00:00Z",
});

Deno.test("yardstick: ratio is the geometric mean of the shared figures", () => {
  assert.ok(Math.abs(yardstickRatio(y(20_000, 50_000), y(40_000, 50_000))! - Math.SQRT2) < 1e-12);
  assert.equal(yardstickRatio(y(20_000), y(40_000, 50_000)), 2);
  assert.equal(yardstickRatio(y(20_000), y(undefined, 50_000)), undefined);
  assert.equal(yardstickRatio(undefined, y(1, 1)), undefined);
});

Deno.test("compare: says when two machines differ in speed", () => {
  assert.match(
    machineSpeedNote(y(20_000, 50_000), y(41_000, 98_000)),
    /differ in speed: after ran 2\.00×/,
  );
  assert.match(machineSpeedNote(y(20_000, 50_000), y(21_000, 49_000)), /same speed within 10 %/);
  assert.match(machineSpeedNote(undefined, y(1, 1)), /before has no yardstick/);
  assert.match(machineSpeedNote(), /neither side has yardstick/);
});

Deno.test("yardstick: the runner's CPU placement from /proc/self/status", () => {
  assert.equal(cpuPlacement("Name:\tdeno\nCpus_allowed_list:\t1\n"), "cpus 1");
  assert.equal(cpuPlacement("Name:\tdeno\n"), "unknown");
  assert.match(cpuPlacement(), /^cpus |^unknown$/);
});
