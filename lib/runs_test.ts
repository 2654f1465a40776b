import assert from "node:assert/strict";
import type { Experiment, Progress } from "./experiments/experiment.ts";
import { type ExperimentParams, runIdentity } from "./experiments/params.ts";
import { collectProvenance, ResultSet } from "./results/mod.ts";
import { readTable } from "./results/rundir.ts";
import { replayTables, runExperiment } from "./runs.ts";

/** A tiny derived experiment: no engine, one table of two rows. */
const tiny: Experiment<ExperimentParams> = {
  id: "tiny",
  title: "a throw-away experiment for the runner's test",
  notebook: "",
  tables: ["tiny"],
  module: import.meta.url,
  config: (params) => params,
  async run(config: ExperimentParams, progress: Progress) {
    progress.plan(1);
    progress.step("rows");
    const rs = new ResultSet(await collectProvenance());
    const who = { engine: "derived", version: "-", provider: "-" };
    const run = rs.run(runIdentity("tiny", config, who, "", 0));
    run.add("answer", 42, "count");
    run.add("answer", 43, "count");
    run.end(0);
    return { tiny: rs.rows() };
  },
};

Deno.test("runExperiment: every row carries the code fingerprint the manifest records", async () => {
  const runs = await Deno.makeTempDir();
  try {
    const out = await runExperiment(tiny, {
      scale: "quick",
      runsDir: runs,
      promote: "never",
      view: "silent",
      yardstick: false,
    });
    assert.deepEqual(out.promoted, []);
    const rows = await readTable(out.runDir, "tiny");
    assert.equal(rows.length, 2);
    const manifest = JSON.parse(await Deno.readTextFile(`${out.runDir}/manifest.json`));
    const fingerprint = manifest.tables["tiny.csv"].code_fingerprint;
    assert.ok(fingerprint, "the manifest records a fingerprint");
    for (const r of rows) assert.equal(r.code_fingerprint, fingerprint);
  } finally {
    await Deno.remove(runs, { recursive: true });
  }
});

/** Two tables; the `rest` binding fills the second only when chosen (or when none is). */
const pair: Experiment<ExperimentParams & { engines?: readonly string[] }> = {
  ...tiny,
  id: "pair",
  tables: ["pair_a", "pair_b"],
  config: (params, options?: { engines?: readonly string[] }) => ({ ...params, ...options }),
  async run(config, progress: Progress) {
    progress.plan(1);
    const rs = new ResultSet(await collectProvenance());
    const who = { engine: "derived", version: "-", provider: "-" };
    rs.run(runIdentity("pair", config, who, "", 0)).add("answer", 1, "count").end(0);
    const b = config.engines?.includes("a") ? [] : rs.rows();
    return { pair_a: rs.rows(), pair_b: b };
  },
};

Deno.test("runExperiment: a run of chosen bindings may leave a table out; replay reads it as no rows", async () => {
  const runs = await Deno.makeTempDir();
  try {
    const opts = { scale: "quick", runsDir: runs, promote: "never", view: "silent" } as const;
    const out = await runExperiment(pair, {
      ...opts,
      yardstick: false,
      overrides: { engines: ["a"] },
    });
    const manifest = JSON.parse(await Deno.readTextFile(`${out.runDir}/manifest.json`));
    assert.deepEqual(Object.keys(manifest.tables), ["pair_a.csv"]);
    const replayed = await replayTables(pair, out.runDir);
    assert.equal(replayed.pair_a.length, 1);
    assert.deepEqual(replayed.pair_b, []);
    // A complete run (no overrides) must fill every table.
    const empty = { ...pair, config: (p: ExperimentParams) => ({ ...p, engines: ["a"] }) };
    await assert.rejects(
      () => runExperiment(empty, { ...opts, yardstick: false }),
      /pair: the run produced no rows for pair_b/,
    );
  } finally {
    await Deno.remove(runs, { recursive: true });
  }
});
