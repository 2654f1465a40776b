import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { ResultRow } from "../results/schema.ts";
import { analyticsConfig } from "./analytics.ts";
import { INFLUX_KNOWN_DIFFERENCES, INFLUX_UNSUPPORTED } from "./analytics/influx_store.ts";
import { QUERY_IDS } from "./analytics/queries.ts";

// One quick run (real engines, 5 000 events) in a child process — embedded chDB binds one data
// directory per process — shared by the tests below.
let rows: ResultRow[] | undefined;
async function quickRun(): Promise<ResultRow[]> {
  if (rows) return rows;
  const script = fileURLToPath(new URL("./analytics/testdata/run_quick.ts", import.meta.url));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `quick run failed: ${stderr}`);
  rows = JSON.parse(new TextDecoder().decode(out.stdout)) as ResultRow[];
  return rows;
}

const measured = (rs: ResultRow[]) => rs.filter((r) => r.metric !== "skipped");
const stores = (rs: ResultRow[]) => [...new Set(measured(rs).map((r) => String(r.store)))];

Deno.test("every loader holds exactly the generated rows", async () => {
  const rs = await quickRun();
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
  }
});

Deno.test("every engine gives the same answers, or says why not", async () => {
  const rs = await quickRun();
  assert.deepEqual(rs.filter((r) => r.metric === "query_error").map((r) => r.reason), []);
  const refs = rs.filter((r) => r.metric === "answer_reference");
  assert.deepEqual(refs.map((r) => r.query).sort(), [...QUERY_IDS].sort());
  for (const r of rs.filter((x) => x.metric === "answer_match")) {
    const known = r.store === "influxdb" && INFLUX_KNOWN_DIFFERENCES[r.query as never];
    if (!known) assert.equal(r.value, 1, `${r.store} ${r.query}: ${r.detail}`);
  }
  // SQL engines answer everything; InfluxQL exactly what it can express.
  for (const s of ["postgres-brin", "chdb"]) {
    const matched = rs.filter((r) => r.metric === "answer_match" && r.store === s && r.value === 1);
    assert.equal(matched.length, QUERY_IDS.length, `${s} matched ${matched.length} queries`);
  }
  const unsupported = rs.filter((r) => r.metric === "unsupported" && r.store === "influxdb");
  assert.deepEqual(unsupported.map((r) => r.query).sort(), Object.keys(INFLUX_UNSUPPORTED).sort());
  assert.equal(rs.filter((r) => r.metric === "answer_unstable").length, 0);
});

Deno.test("latency, bytes and concurrency rows are there for every store that ran", async () => {
  const rs = await quickRun();
  for (const s of stores(rs)) {
    const of = (m: string) => rs.filter((r) => r.store === s && r.metric === m);
    assert.ok(of("bytes_on_disk")[0]?.value > 0, `${s} bytes`);
    assert.ok(of("latency").some((r) => r.run === "cold"), `${s} cold latency`);
    assert.ok(of("latency").some((r) => r.run === "hot"), `${s} hot latency`);
    assert.ok(of("throughput").some((r) => r.clients === 2 && r.op === "all"), `${s} throughput`);
  }
});

Deno.test("bad configuration fails with one line", () => {
  assert.throws(() => analyticsConfig({ rows: [0] }), /rows must be integers/);
  assert.throws(() => analyticsConfig({ stores: ["oracle" as never] }), /unknown store "oracle"/);
  assert.throws(() => analyticsConfig({ hotRuns: 0 }), /hotRuns/);
  assert.throws(
    () => analyticsConfig({ rows: [100], concurrencyRows: 7, concurrency: [1] }),
    /concurrencyRows 7/,
  );
});
