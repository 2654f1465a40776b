// Run or replay: a run writes its tables only when it finished; a failed run or a bad row
// leaves data/ untouched; replay reads the committed files back.

import assert from "node:assert/strict";
import { collectProvenance, ResultSet } from "../results/mod.ts";
import { experimentParams } from "./params.ts";
import { describeResults, runOrReplay } from "./replay.ts";

async function sampleRows() {
  const set = new ResultSet(await collectProvenance());
  set.run({
    experiment: "t",
    engine: "postgres",
    engine_version: "15",
    provider: "native",
    engine_config: "defaults",
    scale: "quick",
    seed: 1,
    repetition: 0,
  })
    .add("throughput", 100, "ops/s", { concurrency: 4 });
  return set.rows();
}

Deno.test("runOrReplay writes after a successful run and replays it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rows = await sampleRows();
    await runOrReplay(["t"], true, () => Promise.resolve({ t: rows }), { dataDir: `${dir}/` });
    const back = await runOrReplay(["t"], false, () => Promise.reject(new Error("must not run")), {
      dataDir: `${dir}/`,
    });
    assert.equal(back.t.length, 1);
    assert.equal(back.t[0].value, 100);
    assert.match(describeResults(back.t), /1 rows\*\* of `t` — engines: postgres 15 \(native\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a failing run or a bad row leaves data untouched; a missing file says how to make it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/t.csv`, "old");
    await assert.rejects(
      runOrReplay(["t"], true, () => Promise.reject(new Error("engine died")), {
        dataDir: `${dir}/`,
      }),
      /engine died/,
    );
    const bad = await sampleRows();
    bad[0].value = NaN;
    await assert.rejects(
      runOrReplay(["t"], true, () => Promise.resolve({ t: bad }), { dataDir: `${dir}/` }),
      /finite/,
    );
    assert.equal(await Deno.readTextFile(`${dir}/t.csv`), "old");
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name),
      ["t.csv"],
      "no temp files left",
    );
    await assert.rejects(
      runOrReplay(["u"], false, () => Promise.reject(new Error("no")), { dataDir: `${dir}/` }),
      /no results in .*u\.csv yet: run the experiment with BENCH_RUN=1/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("experiment parameters: environment switches, one-line errors", () => {
  const saved = Deno.env.get("BENCH_RUN");
  try {
    Deno.env.set("BENCH_RUN", "yes");
    assert.throws(
      () => experimentParams(),
      /^Error: BENCH_RUN must be 1 \(run the experiment\) or 0 \(replay data\/\), got "yes"$/,
    );
    Deno.env.set("BENCH_RUN", "1");
    assert.equal(experimentParams().run, true);
  } finally {
    if (saved === undefined) Deno.env.delete("BENCH_RUN");
    else Deno.env.set("BENCH_RUN", saved);
  }
  assert.throws(() => experimentParams({ scale: "galactic" }), /galactic/);
  assert.equal(experimentParams({ scale: "quick" }).repetitions, 3);
});
