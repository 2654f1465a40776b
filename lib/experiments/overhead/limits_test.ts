import assert from "node:assert/strict";
import type { ResultRow } from "../../results/mod.ts";
import { CHECKOUT_TARGET, clientLimits } from "./limits.ts";

const paired = (engine: string, technique: string, ratio: number, low: number, high: number) =>
  [
    ["throughput_ratio", ratio],
    ["throughput_ratio_ci_low", low],
    ["throughput_ratio_ci_high", high],
    ["repetitions", 5],
  ].map(([metric, value]) => ({
    engine,
    side: "paired",
    technique,
    technique_detail: "",
    clients: 4,
    metric,
    value,
  })) as unknown as ResultRow[];

const overhead: ResultRow[] = [
  {
    engine: "postgres",
    side: "tool",
    technique: "pgbench",
    clients: 4,
    metric: "throughput",
    value: 1,
  },
  {
    engine: "redis",
    side: "tool",
    technique: "redis-benchmark",
    clients: 4,
    metric: "throughput",
    value: 1,
  },
] as unknown as ResultRow[];
overhead.push(
  ...paired("postgres", "node-postgres", 0.6, 0.55, 0.65),
  ...paired("postgres", "pgwire-epoll-ffi", 0.97, 0.96, 0.98), // not the experiments' client
  ...paired("redis", "ioredis", 0.96, 0.9, 1.02),
);

const calibration = [0, 1, 2].flatMap((repetition) =>
  [["harness", "node-postgres", 95 + repetition], ["pgbench", "libpq (pgbench)", 100]].map((
    [tool, client, value],
  ) => ({
    engine: "postgres",
    isolation: "read committed",
    concurrency: 4,
    placement: "shared",
    tool,
    client,
    repetition,
    metric: "throughput",
    value,
  }))
) as unknown as ResultRow[];

Deno.test("clientLimits: the experiments' clients only, each with its target and verdict", () => {
  const limits = clientLimits(overhead, calibration);
  assert.deepEqual(
    limits.map((l) => [l.engine, l.client, l.operation, l.peer, l.verdict]),
    [
      ["postgres", "node-postgres", "pk_select", "pgbench", "below"],
      ["redis", "ioredis", "get", "redis-benchmark", "undecided"],
      ["postgres", "node-postgres", "checkout", "pgbench", "meets"],
    ],
  );
  const checkout = limits[2];
  assert.equal(checkout.target, CHECKOUT_TARGET);
  assert.equal(checkout.pairs, 3);
  assert.ok(Math.abs(checkout.ratio - Math.cbrt(0.95 * 0.96 * 0.97)) < 1e-9);
  assert.ok(Math.abs(limits[0].halfWidth - 0.05) < 1e-9);
});
