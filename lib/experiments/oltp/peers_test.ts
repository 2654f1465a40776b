// The peers' scripts and report parsers, without an engine: the pgbench scripts unroll one
// guarded update per cart position and keep the harness's round trips, the sysbench script
// is the same transaction in Lua for both drivers, the reports parse, /proc times parse, and
// the calibration rows pair into harness/peer ratios.

import assert from "node:assert/strict";
import {
  parsePgbenchMix,
  parseSysbench,
  pgbenchScripts,
  pgbenchWeights,
  processCpu,
  sysbenchScript,
} from "./peers.ts";
import { roundOrder } from "./calibration.ts";
import {
  calibrationRatios,
  clientCpu,
  firstRunAfterStart,
  nearestCalibration,
} from "./calibration_summary.ts";
import type { ResultRow } from "../../results/mod.ts";

const shape = {
  carts: 5000,
  orders: 100_000,
  isolation: "serializable" as const,
  checkoutShare: 0.5,
};

Deno.test("peers: the pgbench checkout unrolls a guarded update per cart position", () => {
  const { checkout, status } = pgbenchScripts({ ...shape, maxLines: 3 });
  assert.match(checkout, /^\\set cart random\(1, 5000\)$/m);
  assert.match(checkout, /^BEGIN ISOLATION LEVEL SERIALIZABLE;$/m);
  assert.equal(checkout.match(/UPDATE products/g)?.length, 3);
  for (const k of [1, 2, 3]) {
    assert.match(checkout, new RegExp(`^\\\\if :ok = 1 AND :n >= ${k}$`, "m"));
    assert.match(checkout, new RegExp(`WHERE id = :p${k} AND stock >= :q${k} RETURNING 1`));
  }
  // Commit only when every line's stock sufficed; otherwise roll back.
  assert.match(checkout, /\\if :ok = 1\nINSERT INTO orders[^]*COMMIT;\n\\else\nROLLBACK;\n\\endif/);
  // \if blocks balance.
  assert.equal(checkout.match(/^\\if/gm)?.length, checkout.match(/^\\endif/gm)?.length);
  assert.match(status, /^\\set oid random\(1, 100000\)$/m);
  assert.match(status, /JOIN order_lines l ON l\.order_id = o\.id WHERE o\.id = :oid/);
  assert.deepEqual(pgbenchWeights(0.5), { checkout: 50, status: 50 });
  assert.deepEqual(pgbenchWeights(1), { checkout: 100, status: 0 });
});

Deno.test("peers: the sysbench script speaks each driver's dialect", () => {
  const pg = sysbenchScript(shape, "pgsql");
  const my = sysbenchScript({ ...shape, isolation: "read committed" }, "mysql");
  assert.match(pg, /con:query\("BEGIN ISOLATION LEVEL SERIALIZABLE"\)/);
  assert.match(pg, /RETURNING 1\) SELECT count\(\*\) FROM u/);
  assert.match(pg, /RETURNING id"\):fetch_row\(\)\[1\]/);
  assert.doesNotMatch(pg, /SET SESSION TRANSACTION/);
  assert.match(my, /SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED/);
  assert.match(my, /START TRANSACTION/);
  assert.match(my, /con:query\(update\)\n {2}return 1/);
  assert.match(my, /local oid = "LAST_INSERT_ID\(\)"/);
  for (const s of [pg, my]) {
    assert.match(s, /local CARTS, ORDERS, SHARE = 5000, 100000, 0.5/);
    assert.match(s, /before_restart_event[^]*ROLLBACK/);
  }
});

const PGBENCH_REPORT = `pgbench (15.10 (Debian 15.10-0+deb12u1))
transaction type: multiple scripts
scaling factor: 1
query mode: prepared
number of clients: 4
number of threads: 1
maximum number of tries: 21
duration: 3 s
number of transactions actually processed: 6264
number of failed transactions: 0 (0.000%)
number of transactions retried: 269 (4.294%)
total number of retries: 301
latency average = 1.905 ms
initial connection time = 9.876 ms
tps = 2099.799473 (without initial connection time)
`;

const SYSBENCH_REPORT = `SQL statistics:
    queries performed:
        read:                            20000
        write:                           30000
        other:                           10000
        total:                           60000
    transactions:                        11116  (3696.14 per sec.)
    queries:                             60000  (19950.00 per sec.)
    ignored errors:                      12     (4.00 per sec.)
    reconnects:                          0      (0.00 per sec.)

Latency (ms):
         min:                                    0.20
         avg:                                    1.08
         max:                                   20.11
`;

Deno.test("peers: pgbench and sysbench reports parse", () => {
  assert.deepEqual(parsePgbenchMix(PGBENCH_REPORT), {
    throughput: 2099.799473,
    transactions: 6264,
    latencyMeanMs: 1.905,
    failures: 0,
    retries: 269,
  });
  assert.deepEqual(parseSysbench(SYSBENCH_REPORT), {
    throughput: 3696.14,
    transactions: 11116,
    latencyMeanMs: 1.08,
    retries: 12,
    failures: 0,
  });
  assert.throws(() => parsePgbenchMix("pgbench: error: oops"), /pgbench: no tps/);
  assert.throws(() => parseSysbench("FATAL"), /sysbench: no transactions/);
});

Deno.test("peers: /proc/self/stat times parse, a command name with spaces included", () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime ...
  const stat = "42 (deno main) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 120 30 20 0 9 0";
  assert.deepEqual(processCpu(stat), { self: 3, children: 1.5 });
  const live = processCpu();
  assert.ok(live.self >= 0 && live.children >= 0);
});

Deno.test("calibration: rounds alternate their order", () => {
  assert.deepEqual(roundOrder(["pgbench", "sysbench"], 0), ["harness", "pgbench", "sysbench"]);
  assert.deepEqual(roundOrder(["pgbench", "sysbench"], 1), ["sysbench", "pgbench", "harness"]);
  assert.deepEqual(roundOrder(["sysbench"], 2), ["harness", "sysbench"]);
});

function row(
  engine: string,
  tool: string,
  round: number,
  metric: string,
  value: number,
  concurrency = 4,
): ResultRow {
  return {
    experiment: "oltp_calibration",
    engine,
    isolation: "read committed",
    concurrency,
    tool,
    client: tool === "harness" ? "node-postgres" : `libpq (${tool})`,
    repetition: round,
    metric,
    value,
    unit: "",
  } as unknown as ResultRow;
}

Deno.test("calibration: harness/peer pairs by round; client CPU averages per tool", () => {
  const rows = [
    row("postgres", "harness", 0, "throughput", 800),
    row("postgres", "pgbench", 0, "throughput", 1000),
    row("postgres", "harness", 1, "throughput", 1800),
    row("postgres", "pgbench", 1, "throughput", 2000),
    row("postgres", "harness", 2, "throughput", 850),
    row("postgres", "pgbench", 2, "throughput", 1000),
    row("postgres", "harness", 0, "client_cpu_per_txn", 200),
    row("postgres", "harness", 1, "client_cpu_per_txn", 100),
    row("postgres", "pgbench", 0, "client_cpu_per_txn", 80),
  ];
  const [r] = calibrationRatios(rows);
  assert.equal(r.peer, "pgbench");
  assert.equal(r.n, 3);
  // Geometric mean of 0.8, 0.9, 0.85: the machine's halving in round 2 cancels in pairs.
  assert.ok(Math.abs(r.ratio - Math.cbrt(0.8 * 0.9 * 0.85)) < 1e-12);
  assert.ok(r.low < r.ratio && r.ratio < r.high && r.high < 1.1);
  assert.ok(r.peerCv > 0.3, "the unpaired spread is large");
  assert.deepEqual(nearestCalibration(rows, "postgres", "read committed", 8, "pgbench"), r);
  const cpu = clientCpu(rows);
  assert.deepEqual(cpu.find((c) => c.tool === "harness")?.usPerTxn, 150);
  assert.deepEqual(cpu.find((c) => c.tool === "pgbench")?.client, "libpq (pgbench)");
});

Deno.test("calibration: the first run after an engine start against its later repetitions", () => {
  const sweep = (rep: number, value: number, concurrency = 1) =>
    ({
      engine: "postgres",
      isolation: "read committed",
      concurrency,
      op: "all",
      repetition: rep,
      metric: "throughput",
      value,
    }) as unknown as ResultRow;
  const rows = [sweep(0, 80), sweep(1, 100), sweep(2, 100), sweep(0, 500, 4)];
  assert.deepEqual(firstRunAfterStart(rows), [{ engine: "postgres", concurrency: 1, ratio: 0.8 }]);
});
