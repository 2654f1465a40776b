// The analytics experiment end to end on real engines at a tiny size: every store that can run
// here loads exactly the generated rows and gives the same answers (or its binding says why
// not), the sweep is planned from the bindings' declarations, unavailable engines are skipped
// with their reason — and a throw-away binding is planned, run and skipped like any other.

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { ResultRow } from "../../results/schema.ts";
import { experimentParams } from "../params.ts";
import { type AnalyticsBinding, expressible } from "./binding.ts";
import { ANALYTICS_BINDINGS } from "./bindings.ts";
import { analyticsConfig, plannedSteps, runAnalytics } from "./mod.ts";
import { postgresHeapBinding } from "./postgres.ts";
import { QUERY_IDS } from "./queries.ts";
import { timescaledbBinding } from "./timescaledb.ts";
import { recordingProgress, type Seen } from "../testing.ts";

const quick = experimentParams({ scale: "quick", repetitions: 1 });

const recorder = recordingProgress;

// One quick run (real engines, 5 000 events) in a child process — embedded chDB binds one data
// directory per process — shared by the tests below.
let quickRun: Promise<{ rows: ResultRow[]; seen: Seen }> | undefined;
function quickSweep(): Promise<{ rows: ResultRow[]; seen: Seen }> {
  return quickRun ??= (async () => {
    const script = fileURLToPath(new URL("./testdata/run_quick.ts", import.meta.url));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `quick run failed: ${stderr}`);
    return JSON.parse(new TextDecoder().decode(out.stdout));
  })();
}

const bindingOf = (store: unknown) => ANALYTICS_BINDINGS.find((b) => b.name === store);
const measured = (rs: ResultRow[]) => rs.filter((r) => r.metric !== "skipped");
const stores = (rs: ResultRow[]) => [...new Set(measured(rs).map((r) => String(r.store)))];

Deno.test("analytics: every loader holds exactly the generated rows", async () => {
  const { rows: rs } = await quickSweep();
  const loaded = rs.filter((r) => r.metric === "rows_loaded");
  // PostgreSQL (two designs), chDB and InfluxDB run here; the others are skipped with a reason.
  for (const s of ["postgres-heap", "postgres-brin", "chdb", "influxdb"]) {
    assert.ok(stores(rs).includes(s), `${s} did not run`);
  }
  assert.ok(loaded.length >= 4);
  for (const r of loaded) {
    const expected = rs.find((x) =>
      x.metric === "rows_expected" && x.store === r.store && x.rows === r.rows
    );
    assert.equal(r.value, expected?.value, `${r.store} loaded ${r.value} rows`);
    assert.equal(r.value, 5_000);
  }
  for (const r of rs.filter((x) => x.metric === "skipped")) {
    assert.match(String(r.reason), /skipped: /);
    assert.equal(r.engine, bindingOf(r.store)?.engine);
  }
  for (const r of rs.filter((x) => x.store === "clickhouse-server" && x.metric === "skipped")) {
    assert.match(String(r.reason), /\(embedded chDB runs instead\)$/);
  }
  assert.ok(
    rs.filter((r) => r.store === "chdb").every((r) =>
      r.in_process === "true" || r.in_process === true
    ),
  );
});

Deno.test("analytics: every engine gives the same answers, or its binding says why not", async () => {
  const { rows: rs } = await quickSweep();
  assert.deepEqual(rs.filter((r) => r.metric === "query_error").map((r) => r.reason), []);
  const refs = rs.filter((r) => r.metric === "answer_reference");
  assert.deepEqual(refs.map((r) => r.query).sort(), [...QUERY_IDS].sort());
  for (const r of rs.filter((x) => x.metric === "answer_match")) {
    const known = bindingOf(r.store)?.knownDifferences?.[r.query as never];
    if (!known) assert.equal(r.value, 1, `${r.store} ${r.query}: ${r.detail}`);
  }
  for (const s of stores(rs)) {
    const binding = bindingOf(s)!;
    // What a binding declares it can express is answered; the rest are `unsupported` rows.
    const answered = rs.filter((r) =>
      r.store === s && (r.metric === "answer_match" || r.metric === "answer_reference")
    );
    assert.deepEqual(answered.map((r) => r.query).sort(), expressible(binding).sort(), s);
    const unsupported = rs.filter((r) => r.metric === "unsupported" && r.store === s);
    assert.deepEqual(
      unsupported.map((r) => [r.query, r.reason]).sort(),
      Object.entries(binding.unsupported ?? {}).sort(),
      s,
    );
  }
  // SQL engines answer everything; InfluxQL exactly what it can express.
  for (const s of ["postgres-brin", "chdb"]) {
    const matched = rs.filter((r) => r.metric === "answer_match" && r.store === s && r.value === 1);
    assert.equal(matched.length, QUERY_IDS.length, `${s} matched ${matched.length} queries`);
  }
  assert.ok(rs.some((r) => r.metric === "unsupported" && r.store === "influxdb"));
  assert.equal(rs.filter((r) => r.metric === "answer_unstable").length, 0);
});

Deno.test("analytics: latency, bytes and concurrency rows are there for every store that ran", async () => {
  const { rows: rs } = await quickSweep();
  for (const s of stores(rs)) {
    const of = (m: string) => rs.filter((r) => r.store === s && r.metric === m);
    assert.ok(of("bytes_on_disk")[0]?.value > 0, `${s} bytes`);
    assert.ok(of("latency").some((r) => r.run === "cold"), `${s} cold latency`);
    assert.ok(of("latency").some((r) => r.run === "hot"), `${s} hot latency`);
    assert.ok(of("throughput").some((r) => r.clients === 2 && r.op === "all"), `${s} throughput`);
  }
  for (const r of rs) assert.equal(r.scale, "quick");
});

Deno.test("analytics: the sweep is planned from the declarations, and every step is accounted for", async () => {
  const { rows: rs, seen } = await quickSweep();
  const config = analyticsConfig(experimentParams({ scale: "quick" }));
  const ran = config.bindings.filter((b) => stores(rs).includes(b.name));
  const skipped = config.bindings.filter((b) => !ran.includes(b));
  assert.equal(seen.planned, config.bindings.reduce((n, b) => n + plannedSteps(config, b), 0));
  assert.equal(seen.steps.length, ran.reduce((n, b) => n + plannedSteps(config, b), 0));
  assert.deepEqual(seen.skipped.map(([n]) => n), skipped.map((b) => plannedSteps(config, b)));
  // chDB: 1 load + 6 queries × (cold + 1 hot) + 2 client counts; InfluxDB 2 queries fewer.
  assert.equal(plannedSteps(config, bindingOf("chdb")!), 1 + 6 * 2 + 2);
  assert.equal(plannedSteps(config, bindingOf("influxdb")!), 1 + 4 * 2 + 2);
});

Deno.test("analytics: a throw-away binding is planned and run, another skipped with its reason", async () => {
  const narrow: AnalyticsBinding = {
    ...postgresHeapBinding,
    name: "postgres-narrow",
    label: "PostgreSQL narrow (test)",
    maxRows: 2_000,
    unsupported: { top_products: "declared unsupported by the test" },
  };
  const absent: AnalyticsBinding = {
    ...timescaledbBinding,
    name: "timescaledb-absent",
    label: "TimescaleDB absent (test)",
    providers: ["external"],
    skipNote: "the test's note",
  };
  const config = analyticsConfig(quick, {
    bindings: [narrow, absent],
    rows: [2_000, 3_000],
    concurrency: [1],
    concurrencyRows: 2_000,
    durationS: 0.2,
    warmupS: 0,
  });
  const { seen, progress } = recorder();
  const rows = (await runAnalytics(config, progress)).analytics_aggregation;
  // narrow: 1 load + 5 queries × 2 runs + 1 client count at 2 000 rows; 3 000 is above its cap.
  assert.equal(seen.planned, 12 + plannedSteps(config, absent));
  assert.equal(seen.steps.length, 12);
  assert.deepEqual(seen.skipped.map(([n]) => n), [2 * (1 + 6 * 2) + 1]);
  assert.match(seen.skipped[0][1], /^timescaledb-absent skipped: .*\(the test's note\)$/);
  const of = (m: string) => rows.filter((r) => r.metric === m);
  assert.deepEqual(of("unsupported").map((r) => [r.store, r.query, r.reason]), [
    ["postgres-narrow", "top_products", "declared unsupported by the test"],
  ]);
  assert.deepEqual(of("not_run").map((r) => [r.store, r.rows]), [["postgres-narrow", 3_000]]);
  assert.equal(of("rows_loaded").length, 1);
  assert.deepEqual(of("skipped").map((r) => [r.engine, r.store]), [
    ["timescaledb", "timescaledb-absent"],
  ]);
});

Deno.test("analytics: bad configuration fails with one line", () => {
  assert.throws(
    () => analyticsConfig(quick, { rows: [0] }),
    /^Error: analytics: rows must be integers/,
  );
  assert.throws(() => analyticsConfig(quick, { stores: ["oracle"] }), /no binding "oracle"/);
  assert.throws(
    () => analyticsConfig(quick, { engines: ["oracle"] }),
    /no binding or engine "oracle"/,
  );
  assert.deepEqual(
    analyticsConfig(quick, { engines: ["clickhouse"] }).bindings.map((b) => b.name),
    ["chdb", "clickhouse-server"],
  );
  assert.throws(() => analyticsConfig(quick, { hotRuns: 0 }), /hotRuns/);
  assert.throws(
    () => analyticsConfig(quick, { rows: [100], concurrencyRows: 7, concurrency: [1] }),
    /concurrencyRows 7/,
  );
  assert.throws(
    () => analyticsConfig(quick, { mix: ["top_products"] }),
    /mix query top_products is one influxdb cannot express/,
  );
});
