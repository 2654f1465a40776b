// Run directories and manifests: a finished run is verifiable, promotion copies it whole, and
// any damage to a committed CSV (cut short, columns swapped, a value edited, a file nobody
// promoted) is refused at once with the file and the row.

import assert from "node:assert/strict";
import { join } from "node:path";
import { type Provenance, ResultSet } from "./mod.ts";
import {
  MANIFEST,
  promoteRun,
  readManifest,
  readTable,
  type RunOrigin,
  writeRun,
} from "./rundir.ts";

const PROV: Provenance = {
  host_cpu: "Test CPU",
  host_cores: 2,
  host_mem_gib: 8,
  host_os: "Debian",
  deno_version: "2.9.6",
  git_commit: "0123456789abcdef0123456789abcdef01234567",
  git_dirty: false,
  started_at: "2026-12-01T00:00:00.000Z",
};

const ORIGIN: Omit<RunOrigin, "run"> = {
  experiment: "demo",
  scale: "default",
  seed: 42,
  repetitions: 3,
  complete: true,
  git_commit: PROV.git_commit,
  git_dirty: false,
  code_fingerprint: "abc",
  started_at: PROV.started_at,
  finished_at: PROV.started_at,
};

function rows(n: number) {
  const rs = new ResultSet(PROV);
  for (let i = 0; i < n; i++) {
    rs.run({
      experiment: "demo",
      engine: "postgres",
      engine_version: "15",
      provider: "native",
      engine_config: "defaults",
      scale: "default",
      seed: 42,
      repetition: i % 3,
      dims: { clients: i },
    }).add("throughput", 100 + i, "ops/s").end(1);
  }
  return rs.rows();
}

async function promoted(): Promise<{ runs: string; data: string; run: string }> {
  const runs = await Deno.makeTempDir({ prefix: "rundir_test_runs_" });
  const data = await Deno.makeTempDir({ prefix: "rundir_test_data_" });
  const run = await writeRun(runs, ORIGIN, { demo: rows(40) });
  assert.deepEqual(await promoteRun(run, data), ["demo.csv"]);
  return { runs, data, run };
}

Deno.test("a run directory holds its CSVs and a manifest; promotion copies them into data/", async () => {
  const { runs, data, run } = await promoted();
  try {
    assert.match(run, /\/\d{8}T\d{6}Z-demo-default-s42-0123456$/);
    const entry = (await readManifest(run)).tables["demo.csv"];
    assert.equal(entry.rows, 40);
    assert.equal(entry.columns[0], "experiment");
    assert.equal((await readTable(data, "demo")).length, 40);
    assert.deepEqual((await readManifest(data)).tables["demo.csv"], entry);
  } finally {
    await Deno.remove(runs, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("a CSV cut short at a line boundary is refused with the file and the row", async () => {
  const { runs, data } = await promoted();
  try {
    const path = join(data, "demo.csv");
    const lines = (await Deno.readTextFile(path)).split("\n");
    await Deno.writeTextFile(path, lines.slice(0, 21).join("\n") + "\n");
    await assert.rejects(
      () => readTable(data, "demo"),
      new RegExp(
        `^Error: ${path}: 20 data rows, .*manifest.json says 40: the file ends after row 21 of 41`,
      ),
    );
  } finally {
    await Deno.remove(runs, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("two swapped columns are refused at the header, naming the column", async () => {
  const { runs, data } = await promoted();
  try {
    const path = join(data, "demo.csv");
    const text = await Deno.readTextFile(path);
    const [header, ...rest] = text.split("\n");
    const cols = header.split(",");
    const m = cols.indexOf("metric"), v = cols.indexOf("value");
    [cols[m], cols[v]] = [cols[v], cols[m]];
    await Deno.writeTextFile(path, [cols.join(","), ...rest].join("\n"));
    await assert.rejects(
      () => readTable(data, "demo"),
      new RegExp(
        `^Error: ${path}: row 1 \\(header\\), column ${m + 1} is "value", .* says "metric"`,
      ),
    );
  } finally {
    await Deno.remove(runs, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("an edited value and an unlisted file are refused; an unfinished run cannot be promoted", async () => {
  const { runs, data } = await promoted();
  try {
    const path = join(data, "demo.csv");
    await Deno.writeTextFile(path, (await Deno.readTextFile(path)).replace(",139,", ",999,"));
    await assert.rejects(
      () => readTable(data, "demo"),
      /content differs from .*the file was edited/,
    );
    await Deno.copyFile(path, join(data, "other.csv"));
    await assert.rejects(() => readTable(data, "other"), /other\.csv: not listed in .*manifest/);
    const unfinished = join(runs, "unfinished");
    await Deno.mkdir(unfinished);
    await Deno.copyFile(path, join(unfinished, "demo.csv"));
    await assert.rejects(() => promoteRun(unfinished, data), /no manifest; the run did not finish/);
    assert.ok((await Deno.readTextFile(join(data, MANIFEST))).includes("demo.csv"));
  } finally {
    await Deno.remove(runs, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("a recorded history is saved beside the tables, verified and read back typed", async () => {
  const runs = await Deno.makeTempDir({ prefix: "rundir_test_runs_" });
  try {
    const history = [
      { run: "c1", session: 1, type: "write", key: "k", value: 3, invoke_ms: 1.5, ok: true },
      { run: "c1", session: 2, type: "read", key: "k", value: "", invoke_ms: 2, ok: false },
    ];
    const dir = await writeRun(runs, ORIGIN, { demo: rows(3) }, { ops: history });
    const { readHistory } = await import("./rundir.ts");
    const back = await readHistory(dir, "ops");
    assert.deepEqual(back, history);
    assert.equal((await readManifest(dir)).tables["ops.history.csv"].kind, "history");
    const path = join(dir, "ops.history.csv");
    await Deno.writeTextFile(path, (await Deno.readTextFile(path)).replace("write", "wrote"));
    await assert.rejects(() => readHistory(dir, "ops"), /ops\.history\.csv: content differs/);
  } finally {
    await Deno.remove(runs, { recursive: true });
  }
});
