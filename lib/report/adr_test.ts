import assert from "node:assert/strict";
import { join } from "node:path";
import { writeResults } from "../results/csv.ts";
import { adoptTables } from "../results/rundir.ts";
import type { ResultRow } from "../results/schema.ts";
import { FIGURE_SETS as figureSets } from "../registry.ts";
import { type FigureSet, formatNumber, formatPercent } from "../results/figure.ts";
import { formatSpread, SINGLE_RUN } from "./figures/spread.ts";
import { checkAdr, describeProblem, findFigures, mergeFigures, updateAdr } from "./adr.ts";

Deno.test("the committed ADRs match data/ (regenerate with: ./denow task adr)", async () => {
  const problems = await checkAdr({ figures: mergeFigures(figureSets) });
  assert.deepEqual(problems.map(describeProblem), []);
});

/** Writes demo.csv into a data dir and records it in the dir's manifest, as a promote does. */
async function writeDemo(dataDir: string, rows: ResultRow[]) {
  await writeResults(join(dataDir, "demo.csv"), rows);
  await adoptTables(dataDir, ["demo.csv"], () => ({
    experiment: "demo",
    scale: "quick",
    seed: 1,
    repetitions: 1,
    complete: true,
    git_commit: "unknown",
    git_dirty: true,
    code_fingerprint: "test",
    started_at: "2026-01-01T00:00:00Z",
    finished_at: "2026-01-01T00:00:00Z",
  }));
}

/** A valid result row of a fictitious experiment. */
function row(clients: number, value: number): ResultRow {
  return {
    experiment: "demo",
    engine: "postgres",
    engine_version: "15.0",
    provider: "native",
    engine_config: "",
    scale: "quick",
    seed: 1,
    repetition: 0,
    clients: String(clients),
    metric: "throughput",
    value,
    unit: "tx/s",
    host_cpu: "test",
    host_cores: 2,
    host_mem_gib: 1,
    host_os: "test",
    deno_version: "test",
    git_commit: "unknown",
    git_dirty: true,
    code_fingerprint: "",
    started_at: "2026-01-01T00:00:00Z",
    duration_s: 1,
  };
}

/** Figures as an experiment module would export them. */
const demo: FigureSet = {
  "demo.tps_c16": async (data) => {
    const rows = await data.rows("demo.csv");
    const hit = rows.find((r) => r.clients === "16" && r.metric === "throughput");
    if (!hit) throw new Error("no throughput at 16 clients");
    return formatNumber(hit.value, { unit: "tx/s" });
  },
  "demo.broken": async (data) => String((await data.rows("absent.csv")).length),
};

Deno.test("updateAdr rewrites marked regions from a CSV, checkAdr then finds them fresh", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dataDir = join(root, "data");
    await writeDemo(dataDir, [row(1, 1000), row(16, 12345.4)]);
    const adr = join(root, "0001-demo.md");
    const original = "PostgreSQL reached <!-- fig:demo.tps_c16 -->?<!-- /fig --> at 16 clients.\n";
    await Deno.writeTextFile(adr, original);
    const options = { figures: mergeFigures([demo]), dataDir };

    const before = await checkAdr(options, [adr]);
    assert.deepEqual(before.map((p) => [p.kind, p.id, p.line]), [["stale", "demo.tps_c16", 1]]);

    const { changed, problems } = await updateAdr(options, [adr]);
    assert.deepEqual(changed, [adr]);
    assert.deepEqual(problems, []);
    assert.equal(
      await Deno.readTextFile(adr),
      "PostgreSQL reached <!-- fig:demo.tps_c16 -->12 345 tx/s<!-- /fig --> at 16 clients.\n",
    );
    assert.deepEqual(await checkAdr(options, [adr]), []);
    assert.deepEqual((await updateAdr(options, [adr])).changed, [], "idempotent");

    // New data makes the ADR stale again.
    await writeDemo(dataDir, [row(16, 9000)]);
    const after = await checkAdr(options, [adr]);
    assert.match(
      describeProblem(after[0]),
      /stale: "demo.tps_c16" says "12 345 tx\/s", data says "9 000 tx\/s"/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("updateAdr writes nothing when any figure fails (all or nothing)", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dataDir = join(root, "data");
    await writeDemo(dataDir, [row(16, 12345.4)]);
    const adr = join(root, "0001-demo.md");
    const text =
      "a <!-- fig:demo.tps_c16 -->?<!-- /fig --> b <!-- fig:demo.broken -->?<!-- /fig -->\n";
    await Deno.writeTextFile(adr, text);
    const { changed, problems } = await updateAdr(
      { figures: mergeFigures([demo]), dataDir },
      [adr],
    );
    assert.deepEqual(changed, []);
    assert.deepEqual(problems.map((p) => p.kind), ["error"]);
    assert.equal(await Deno.readTextFile(adr), text, "the good figure was not written either");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("checkAdr reports unknown ids, failing figures, malformed markers and missing links", async () => {
  const root = await Deno.makeTempDir();
  try {
    const adr = join(root, "0002.md");
    await Deno.writeTextFile(
      adr,
      [
        "a <!-- fig:demo.nope -->1<!-- /fig -->",
        "b <!-- fig:demo.broken -->2<!-- /fig -->",
        "c <!-- fig:demo.tps_c16 -->unclosed",
        "[csv](../../data/no-such-file.csv) [site](https://example.org/data/x.csv)",
      ].join("\n"),
    );
    const problems = await checkAdr({ figures: mergeFigures([demo]), dataDir: root }, [adr]);
    assert.deepEqual(problems.map((p) => [p.kind, p.line]), [
      ["malformed", 3],
      ["unknown", 1],
      ["error", 2],
    ]);
    assert.match(problems[2].message, /absent\.csv/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("missing links are checked relative to the ADR, for data/ and notebooks/ only", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(root, "adr"));
    await Deno.mkdir(join(root, "notebooks"));
    await Deno.writeTextFile(join(root, "notebooks", "01-x.ipynb"), "{}");
    const adr = join(root, "adr", "0001.md");
    await Deno.writeTextFile(
      adr,
      "[x](../data/does-not-exist.csv) [y](../report/index.html) [z](../notebooks/01-x.ipynb)\n",
    );
    const problems = await checkAdr({ figures: new Map(), root }, [adr]);
    assert.deepEqual(problems.map((p) => [p.kind, p.id]), [
      ["missing_link", "../data/does-not-exist.csv"],
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("findFigures returns regions with their lines", () => {
  const { regions, problems } = findFigures(
    "x\n<!-- fig:a.b -->1 2<!-- /fig --> <!-- fig:c -->3<!-- /fig -->",
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(regions.map((r) => [r.id, r.text, r.line]), [["a.b", "1 2", 2], ["c", "3", 2]]);
});

Deno.test("mergeFigures rejects a duplicate id", () => {
  assert.throws(() => mergeFigures([demo, { "demo.tps_c16": () => "1" }]), /registered twice/);
});

Deno.test("formatNumber is deterministic: grouped, fixed decimals, unit", () => {
  assert.equal(formatNumber(12345.4, { unit: "tx/s" }), "12 345 tx/s");
  assert.equal(formatNumber(1234567), "1 234 567");
  assert.equal(formatNumber(12.345), "12.3");
  assert.equal(formatNumber(0.01234), "0.01");
  assert.equal(formatNumber(-0.001), "0.00");
  assert.equal(formatNumber(3.14159, { decimals: 3, unit: "ms" }), "3.142 ms");
  assert.equal(formatPercent(0.1234), "12.3 %");
  assert.throws(() => formatNumber(NaN));
});

Deno.test("formatSpread: CV of the repetitions, flagged above 10 %, one run says so", () => {
  assert.equal(formatSpread([100, 105, 95]), "CV 5 %");
  assert.equal(
    formatSpread([100, 140, 80]),
    "CV 29 % — above 10 %: flagged, not a stable figure",
  );
  // Exactly at the limit is not flagged; just above keeps a decimal rather than read "10 % — above 10 %".
  assert.equal(formatSpread({ n: 3, mean: 100, stddev: 10 }), "CV 10 %");
  assert.equal(
    formatSpread({ n: 3, mean: 100, stddev: 10.4 }),
    "CV 10.4 % — above 10 %: flagged, not a stable figure",
  );
  // A summary and its values give the same text.
  assert.equal(formatSpread({ n: 3, mean: 1, stddev: 0.05 }), formatSpread([0.95, 1, 1.05]));
  assert.equal(formatSpread([42]), SINGLE_RUN);
  assert.equal(formatSpread({ n: 1, mean: 42, stddev: NaN }), SINGLE_RUN);
  assert.throws(() => formatSpread([]), /no values/);
  assert.throws(() => formatSpread([0, 0]), /no coefficient/);
});

Deno.test("updateAdr leaves a table around a figure formatted as deno fmt would", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dataDir = join(root, "data");
    await writeDemo(dataDir, [row(16, 12345.4)]);
    const adr = join(root, "0001-demo.md");
    await Deno.writeTextFile(
      adr,
      "| engine | peak |\n| --- | --- |\n| PostgreSQL | <!-- fig:demo.tps_c16 -->?<!-- /fig --> |\n",
    );
    const options = { figures: mergeFigures([demo]), dataDir };
    assert.deepEqual((await updateAdr(options, [adr])).problems, []);
    const lines = (await Deno.readTextFile(adr)).trimEnd().split("\n");
    // Padded: every row as wide as the widest, so `deno fmt --check` finds nothing to change.
    assert.equal(new Set(lines.map((l) => [...l].length)).size, 1, lines.join("\n"));
    assert.deepEqual(await checkAdr(options, [adr]), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
