import assert from "node:assert/strict";
import { SILENT } from "../experiment.ts";
import { experimentParams } from "../params.ts";
import { overheadConfig, roundSchedule, runOverhead } from "./mod.ts";
import { measureYardstick } from "./yardstick.ts";
import { parsePgbench, parseRedisBenchmarkCsv, redisBenchmarkKey } from "./tools.ts";

const params = experimentParams({ scale: "default" });

const PGBENCH_OUT = `pgbench (15.14 (Debian 15.14-0+deb12u1))
transaction type: <builtin: select only>
scaling factor: 1
query mode: prepared
number of clients: 4
number of threads: 1
maximum number of tries: 1
duration: 1 s
number of transactions actually processed: 21000
number of failed transactions: 0 (0.000%)
latency average = 0.187 ms
initial connection time = 4.518 ms
tps = 21345.678901 (without initial connection time)
`;

const REDIS_CSV =
  `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"GET","35036.50","0.104","0.032","0.095","0.167","0.263","1.815"
`;

Deno.test("overhead: tool reports are parsed; garbage fails with the text", () => {
  assert.deepEqual(parsePgbench(PGBENCH_OUT), { throughput: 21345.678901, latencyMeanMs: 0.187 });
  assert.deepEqual(parseRedisBenchmarkCsv(REDIS_CSV), {
    throughput: 35036.5,
    latencyMeanMs: 0.104,
    latencyP99Ms: 0.263,
  });
  assert.throws(() => parsePgbench("pgbench: error"), /no tps/);
  assert.throws(() => parseRedisBenchmarkCsv(REDIS_CSV, "SET"), /no SET row/);
  assert.equal(redisBenchmarkKey(42), "key:000000000042");
});

Deno.test("overhead: bad configuration is one clear line", () => {
  assert.throws(
    () => overheadConfig(params, { clients: 0 }),
    /clients must be an integer 1\.\.64, got 0/,
  );
  assert.throws(() => overheadConfig(params, { durationS: -1 }), /durationS must be > 0/);
  assert.throws(() => overheadConfig(params, { techniques: ["nope"] }), /unknown technique "nope"/);
  assert.throws(
    () => overheadConfig(params, { maxRounds: 2 }),
    /maxRounds must be an integer >= minRounds \(5\)/,
  );
  assert.throws(
    () => overheadConfig(params, { targetHalfWidth: 0 }),
    /targetHalfWidth must be > 0/,
  );
  assert.throws(
    () => overheadConfig(params, { minRounds: 0 }),
    /minRounds must be an integer >= 1/,
  );
  // More repetitions than the default cap raise the cap instead of failing.
  assert.equal(
    overheadConfig(experimentParams({ scale: "default", repetitions: 20 })).maxRounds,
    20,
  );
  assert.throws(() => experimentParams({ scale: "huge" }), /huge/);
});

Deno.test({
  name:
    "overhead: a quick real run pairs a tool run with each technique run and writes paired ratios",
  sanitizeResources: false, // the FFI libc handle stays open for the process
  fn: async () => {
    const config = overheadConfig(experimentParams({ scale: "quick", repetitions: 1 }), {
      durationS: 0.3,
      warmupS: 0.1,
      clients: 2,
      techniques: ["pgwire-epoll-ffi", "postgres.js", "resp-deno-tcp"],
    });
    const rows = (await runOverhead(config, SILENT)).harness_overhead;
    for (const engine of ["postgres", "redis"]) {
      const mine = rows.filter((r) => r.engine === engine);
      const tool = mine.find((r) => r.side === "tool" && r.metric === "throughput");
      const harness = mine.find((r) => r.side === "harness" && r.metric === "throughput");
      const ratio = mine.find((r) => r.side === "ratio" && r.metric === "throughput_ratio");
      const paired = mine.find((r) => r.side === "paired" && r.metric === "throughput_ratio");
      assert.ok(tool && harness && ratio && paired, `${engine}: all four sides present`);
      assert.equal(tool.pair, harness.pair, "the tool run names the technique it is paired with");
      assert.ok(tool.value > 0 && harness.value > 0);
      assert.ok(Math.abs(ratio.value - harness.value / tool.value) < 1e-9);
      assert.ok(Math.abs(paired.value - ratio.value) < 1e-9); // one pair
      assert.match(String(harness.technique_detail), /pgwire|resp|postgres\.js/);
      assert.equal(harness.clients, 2);
      for (const side of ["tool", "harness"]) {
        const cpu = mine.filter((r) => r.side === side && r.metric === "client_cpu_per_op");
        assert.ok(cpu.length > 0 && cpu.every((r) => r.value > 0), `${engine} ${side}: CPU/op`);
      }
    }
    assert.ok(
      rows.some((r) => r.technique === "postgres.js" && r.metric === "throughput" && r.value > 0),
    );
  },
});

Deno.test("yardstick: pgbench -S and redis-benchmark GET on private engines, seconds", async () => {
  const lines: string[] = [];
  const y = await measureYardstick((l) => lines.push(l));
  assert.ok(y.pgbench_select_tps! > 100, JSON.stringify(y));
  assert.ok(y.redis_get_rps! > 100, JSON.stringify(y));
  assert.match(y.placement, /^cpus /);
  assert.ok(y.seconds! < 60);
  assert.match(lines.at(-1)!, /^yardstick: pgbench -S \d+ tps, redis GET \d+ rps/);
});

Deno.test("roundSchedule: every technique alternates tool-first and harness-first, even four", () => {
  for (const items of [["a", "b", "c", "d"], ["a", "b", "c"]]) {
    const done = new Map(items.map((t) => [t, 0]));
    const orders = new Map(items.map((t) => [t, [] as string[]]));
    for (let round = 0; round < 4; round++) {
      const schedule = roundSchedule(items, round, (t) => done.get(t)!);
      assert.equal(schedule[0].item, items[round % items.length], "the first one rotates");
      for (const { item, order } of schedule) {
        orders.get(item)!.push(order);
        done.set(item, done.get(item)! + 1);
      }
    }
    for (const [item, o] of orders) {
      assert.deepEqual(o, ["tool_first", "harness_first", "tool_first", "harness_first"], item);
    }
  }
});
