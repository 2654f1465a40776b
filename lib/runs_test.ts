import assert from "node:assert/strict";
import type { Experiment, Progress } from "./experiments/experiment.ts";
import { type ExperimentParams, runIdentity } from "./experiments/params.ts";
import { collectProvenance, ResultSet } from "./results/mod.ts";
import { readTable } from "./results/rundir.ts";
import { runExperiment } from "./runs.ts";

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
