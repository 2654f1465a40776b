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
    /unknown notebook "nope"; valid names: chart, failing/,
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
