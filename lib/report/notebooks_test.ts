import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type NotebookJson,
  NotebookRunError,
  resolveNotebook,
  runNotebook,
  verifyOutputs,
} from "./notebooks.ts";

const testdata = new URL("./testdata/", import.meta.url).pathname;

/** A code cell as an executed notebook stores it. */
function code(source: string, outputs: unknown[] = [], count: number | null = 1) {
  return { cell_type: "code" as const, source, outputs, execution_count: count } as NotebookJson[
    "cells"
  ][number];
}
const stream = { output_type: "stream", name: "stdout", text: ["ok\n"] };

Deno.test("verifyOutputs accepts a notebook where every code cell has output or says // no-output", () => {
  const nb: NotebookJson = {
    cells: [
      { cell_type: "markdown", source: ["# Title"] },
      code('import { x } from "./x.ts"; // no-output'),
      code("x", [stream]),
      code("   \n", [], null),
    ],
  };
  assert.deepEqual(verifyOutputs(nb), []);
});

Deno.test("verifyOutputs names a cell whose output is missing, an unexecuted cell and an error", () => {
  const nb: NotebookJson = {
    cells: [
      { cell_type: "markdown", source: "# Title" },
      code(["\n", "chart(rows)\n", "// more"] as unknown as string, []),
      code("later()", [], null),
      code("boom()", [{ output_type: "error", ename: "Error", evalue: "boom", traceback: [] }]),
    ],
  };
  const issues = verifyOutputs(nb);
  assert.deepEqual(issues.map((i) => [i.index, i.firstLine]), [
    [1, "chart(rows)"],
    [2, "later()"],
    [3, "boom()"],
  ]);
  assert.match(issues[0].problem, /no output/);
  assert.match(issues[1].problem, /not executed/);
  assert.match(issues[2].problem, /raised Error: boom/);
});

Deno.test("resolveNotebook lists the valid names for an unknown one", async () => {
  assert.equal(await resolveNotebook("chart", testdata), join(testdata, "chart.ipynb"));
  await assert.rejects(
    resolveNotebook("nope", testdata),
    /unknown notebook "nope"; valid names: chart, engine_wait, failing/,
  );
});

Deno.test({
  name: "runNotebook fails on a cell error, naming the cell and the error, without retrying",
  // The real Deno kernel: one start, a couple of seconds.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const out = await Deno.makeTempDir();
    const lines: string[] = [];
    try {
      const err = await runNotebook(join(testdata, "failing.ipynb"), {
        outPath: join(out, "failing.ipynb"),
        log: (l) => lines.push(l),
      }).then(() => null, (e) => e);
      assert.ok(err instanceof NotebookRunError, String(err));
      assert.equal(err.kind, "cell_error");
      assert.match(err.message, /failing\.ipynb: cell 2 \("\/\/ a cell that raises/);
      assert.match(err.message, /Error: boom from the fixture/);
      assert.equal(lines.filter((l) => l.includes("executing")).length, 1, "no retry");
      // Nothing is written for a failed run.
      assert.deepEqual([...Deno.readDirSync(out)], []);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

Deno.test("Ctrl-C during a notebook run stops it, exits 130 and leaves no engine behind", async () => {
  const { tempDirs } = await import("../engines/testing.ts");
  const label = `nbint${crypto.randomUUID().slice(0, 8)}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./cli.ts", import.meta.url).pathname,
      "run",
      new URL("./testdata/engine_wait.ipynb", import.meta.url).pathname,
    ],
    env: { FIXTURE_LABEL: label },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const deadline = Date.now() + 60_000;
  while (tempDirs(label).length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(tempDirs(label).length, 1, "the kernel started its engine");
  await new Promise((r) => setTimeout(r, 500)); // let the engine answer
  child.kill("SIGINT");
  const out = await child.output();
  assert.equal(out.code, 130);
  assert.match(new TextDecoder().decode(out.stderr), /SIGINT: notebook run stopped/);
  assert.deepEqual(tempDirs(label), [], "engine dir removed");
  const ps = await new Deno.Command("pgrep", { args: ["-f", label] }).output();
  assert.equal(new TextDecoder().decode(ps.stdout).trim(), "", "no process of that engine left");
});
