import assert from "node:assert/strict";
import { join } from "node:path";
import { runClosedLoop } from "../load/run.ts";
import {
  collectProvenance,
  formatEngineConfig,
  loadMetrics,
  parseEngineConfig,
  type Provenance,
  readResults,
  ResultSet,
  writeResults,
} from "./mod.ts";
import type { ResultRow } from "./schema.ts";

const PROV: Provenance = {
  host_cpu: "Test CPU, 2 GHz",
  host_cores: 2,
  host_mem_gib: 23.5,
  host_os: "Debian GNU/Linux 12 (bookworm); kernel 6.1",
  deno_version: "2.9.6",
  git_commit: "0123456789abcdef0123456789abcdef01234567",
  git_dirty: false,
  started_at: "2026-11-25T20:00:00.000Z",
};

function sampleRows(): ResultRow[] {
  const rs = new ResultSet(PROV);
  rs.run({
    experiment: "oltp_checkout",
    engine: "postgres",
    engine_version: "15.10",
    provider: "native",
    engine_config: { synchronous_commit: "on", isolation: "read committed" },
    scale: "quick",
    seed: 42,
    repetition: 0,
    dims: { concurrency: 8 },
  }).add("throughput", 1234.5, "ops/s").add("latency_p99", 3.25, "ms", { op: "checkout" }).end(
    12.5,
  );
  rs.run({
    experiment: "oltp_checkout",
    engine: "mariadb",
    engine_version: "10.11.6-MariaDB",
    provider: "native",
    engine_config: "innodb_flush_log_at_trx_commit=1",
    scale: "quick",
    seed: 42,
    repetition: 1,
    dims: { concurrency: 8, note: 'quote " comma , and\nnewline' },
  }).add("throughput", 987, "ops/s").end(3);
  return rs.rows();
}

async function tmpDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "results_test_" });
}

Deno.test("CSV round trip: values, provenance, dimensions, column order", async () => {
  const dir = await tmpDir();
  try {
    const path = join(dir, "out.csv");
    const rows = sampleRows();
    await writeResults(path, rows);
    const text = await Deno.readTextFile(path);
    assert.equal(
      text.split("\n")[0],
      "experiment,engine,engine_version,provider,engine_config,scale,seed,repetition," +
        "concurrency,op,note,metric,value,unit,host_cpu,host_cores,host_mem_gib,host_os," +
        "deno_version,git_commit,git_dirty,code_fingerprint,started_at,duration_s",
    );
    const back = await readResults(path);
    assert.equal(back.length, 3);
    assert.equal(back[0].value, 1234.5);
    assert.equal(back[0].seed, 42);
    assert.equal(back[0].repetition, 0);
    assert.equal(back[0].engine_config, "isolation=read committed;synchronous_commit=on");
    assert.equal(back[0].concurrency, "8"); // dimensions come back as strings
    assert.equal(back[0].op, "");
    assert.equal(back[1].op, "checkout");
    assert.equal(back[2].note, 'quote " comma , and\nnewline');
    assert.equal(back[2].repetition, 1);
    assert.equal(back[0].duration_s, 12.5);
    assert.equal(back[0].git_dirty, false);
    assert.equal(back[0].host_cpu, "Test CPU, 2 GHz");
    assert.equal(back[0].host_mem_gib, 23.5);
    for (const [k, v] of Object.entries(rows[1])) {
      assert.equal(String(back[1][k]), String(v), k);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("atomic write: an invalid row leaves the old file untouched and no temp file", async () => {
  const dir = await tmpDir();
  try {
    const path = join(dir, "out.csv");
    await writeResults(path, sampleRows());
    const before = await Deno.readTextFile(path);
    const bad = sampleRows();
    bad[1] = { ...bad[1], value: NaN };
    await assert.rejects(
      writeResults(path, bad),
      (e: Error) => {
        assert.match(
          e.message,
          /out\.csv\): row 2 \(metric latency_p99\): column "value" must be a finite number, got NaN/,
        );
        assert.ok(!e.message.includes("\n"));
        return true;
      },
    );
    const missing = sampleRows();
    delete (missing[0] as Partial<ResultRow>).git_commit;
    await assert.rejects(
      writeResults(path, missing),
      /row 1 .*missing required column "git_commit"/,
    );
    await assert.rejects(writeResults(path, []), /no rows to write/);
    const badDim = sampleRows();
    badDim[0] = { ...badDim[0], "Bad Name": 1 };
    await assert.rejects(writeResults(path, badDim), /dimension column "Bad Name"/);
    assert.equal(await Deno.readTextFile(path), before);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["out.csv"]);
    // a new file in a new sub-directory
    await writeResults(join(dir, "sub", "x.csv"), sampleRows());
    assert.equal((await readResults(join(dir, "sub", "x.csv"))).length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reader: one-line errors naming file, row and problem", async () => {
  const dir = await tmpDir();
  try {
    const path = join(dir, "good.csv");
    await writeResults(path, sampleRows());
    const good = await Deno.readTextFile(path);
    const lines = good.trimEnd().split("\n");
    const header = lines[0].split(",");
    const vi = header.indexOf("value");
    const ri = header.indexOf("repetition");
    const edit = (i: number, v: string) => {
      const f = lines[1].split(",");
      f[i] = v;
      return [lines[0], f.join(","), ...lines.slice(2)].join("\n") + "\n";
    };
    const cases: [string, string, RegExp][] = [
      [
        "value.csv",
        edit(vi, "fast"),
        /value\.csv: row 1 \(line 2\): "value" must be a finite number, got "fast"/,
      ],
      [
        "empty_value.csv",
        edit(vi, ""),
        /row 1 \(line 2\): "value" must be a finite number, got ""/,
      ],
      [
        "rep.csv",
        edit(ri, "1.5"),
        /rep\.csv: row 1 \(line 2\): "repetition" must be an integer >= 0, got 1.5/,
      ],
      [
        "fields.csv",
        lines[0] + "\na,b,c\n",
        /fields\.csv: row 1 \(line 2\): has 3 fields, header has 24/,
      ],
      [
        "header.csv",
        "experiment,engine\nx,y\n",
        /header\.csv: not a results file: header lacks "engine_version"/,
      ],
      ["empty.csv", "", /empty\.csv: empty file, expected a header line/],
    ];
    for (const [name, text, re] of cases) {
      const p = join(dir, name);
      await Deno.writeTextFile(p, text);
      await assert.rejects(readResults(p), (e: Error) => {
        assert.match(e.message, re);
        assert.ok(!e.message.includes("\n"), e.message);
        return true;
      });
    }
    await assert.rejects(readResults(join(dir, "nope.csv")), /nope\.csv: cannot read results file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("provenance: git commit in a repository, 'unknown' and dirty outside one", async () => {
  const here = await collectProvenance();
  assert.match(here.git_commit, /^[0-9a-f]{40}$/);
  assert.ok(here.host_cores > 0);
  assert.ok(here.host_mem_gib > 0);
  assert.equal(here.deno_version, Deno.version.deno);
  assert.ok(!Number.isNaN(Date.parse(here.started_at)));
  const dir = await tmpDir();
  try {
    const none = await collectProvenance({ cwd: dir });
    assert.equal(none.git_commit, "unknown");
    assert.equal(none.git_dirty, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("engine_config: canonical sorted form, parse back, bad input", () => {
  const s = formatEngineConfig({ shared_buffers: "128MB", fsync: true, max_connections: 100 });
  assert.equal(s, "fsync=true;max_connections=100;shared_buffers=128MB");
  assert.deepEqual(parseEngineConfig(s), {
    fsync: "true",
    max_connections: "100",
    shared_buffers: "128MB",
  });
  assert.deepEqual(parseEngineConfig(""), {});
  assert.throws(() => formatEngineConfig({ a: "x;y" }), /value of a may not contain/);
  assert.throws(() => parseEngineConfig("novalue"), /bad entry/);
});

Deno.test("ResultSet: fail-fast values and load summaries to rows", async () => {
  const rs = new ResultSet(PROV);
  const run = rs.run({
    experiment: "kv_get",
    engine: "redis",
    engine_version: "7.0.15",
    provider: "native",
    engine_config: { appendonly: "no" },
    scale: "quick",
    seed: 1,
    repetition: 2,
    dims: { concurrency: 4 },
  });
  assert.throws(
    () => run.add("latency_p99", NaN, "ms"),
    /add\("latency_p99"\): value must be a finite number, got NaN/,
  );
  assert.throws(() => run.add("x", 1, "ms", { metric: "y" }), /bad dimension name "metric"/);
  assert.throws(
    () =>
      rs.run({
        ...PROV,
        experiment: "e",
        engine: "",
        engine_version: "",
        provider: "",
        engine_config: "",
        scale: "quick",
        seed: 1,
        repetition: 0,
      }),
    /engine must be a non-empty string/,
  );
  let k = 0;
  const result = await runClosedLoop({
    concurrency: 2,
    operations: 20,
    op: (_w, _r, ctx) => {
      ctx.name = k++ % 2 ? "get" : "set";
      if (k === 5) throw Object.assign(new Error("x"), { code: "ECONNRESET" });
    },
  });
  run.addLoad(result, { phase: "steady" }).end();
  const rows = rs.rows();
  const find = (metric: string, op: string) => rows.find((r) => r.metric === metric && r.op === op);
  assert.equal(find("ops", "all")?.value, 19);
  assert.equal(find("errors_connection", "all")?.value, 1);
  assert.equal(find("errors_deadlock", "all")?.value, 0);
  assert.equal(find("errors_connection", "set")?.value, 1);
  assert.equal(find("throughput", "all")?.unit, "ops/s");
  assert.equal(find("latency_p99", "get")?.unit, "ms");
  assert.ok(rows.every((r) => r.phase === "steady" && r.concurrency === 4 && r.repetition === 2));
  assert.ok(rows.every((r) => r.duration_s >= 0));
  assert.equal(loadMetrics(result).filter((m) => m.metric === "target_rate").length, 0);
  const dir = await tmpDir();
  try {
    await writeResults(join(dir, "kv.csv"), rows);
    assert.equal((await readResults(join(dir, "kv.csv"))).length, rows.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("engine_config: a run's temp dir is recorded as <run dir>, never as a machine path", async () => {
  // Real run dirs, made the way engines make them, so the test follows the temp root in use.
  const wal = await Deno.makeTempDir({ prefix: "dsbench-postgres-" });
  const sock = await Deno.makeTempDir({ prefix: "dsbench-postgres-" });
  try {
    assert.equal(
      formatEngineConfig({
        archive_command: `cp %p ${wal}/wal_archive/%f`,
        unix_socket_directories: `${sock}/socket`,
      }),
      "archive_command=cp %p <run dir>/wal_archive/%f;unix_socket_directories=<run dir>/socket",
    );
  } finally {
    await Deno.remove(wal);
    await Deno.remove(sock);
  }
});
