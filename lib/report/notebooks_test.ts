import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { waitUntil } from "../engines/runtime/net.ts";
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

/** Pids of processes whose environment holds `marker` (runner, executor, kernel, engines). */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    try {
      const env = Deno.readTextFileSync(`/proc/${e.name}/environ`);
      const stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      if (env.includes(marker) && !/\) Z /.test(stat)) found.push(Number(e.name));
    } catch { /* gone, or not ours to read */ }
  }
  return found;
}

// The table of issue 11, as a real-process test: a notebook run (runner → executor → kernel
// → engine, the kernel in a session of its own) is ended by each signal a terminal or a user
// can send to its process group; within 10 s nothing of it may remain — no process, no engine
// dir, no temp notebook or kernel dir — and the notebook is unchanged.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGKILL"] as const) {
  Deno.test(`${signal} to a notebook run's process group leaves no process, dir or changed file`, async () => {
    const { tempDirs } = await import("../engines/testing.ts");
    const label = `nbsig${crypto.randomUUID().slice(0, 8)}`;
    const fixture = new URL("./testdata/engine_wait.ipynb", import.meta.url).pathname;
    const before = await Deno.readTextFile(fixture);
    const child = new Deno.Command("setsid", {
      args: [
        Deno.execPath(),
        "run",
        "-A",
        new URL("../cli.ts", import.meta.url).pathname,
        "notebook",
        fixture,
      ],
      env: { FIXTURE_LABEL: label },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    await waitUntil(
      () =>
        tempDirs(label).length === 1
          ? Promise.resolve()
          : Promise.reject(new Error("no engine yet")),
      {
        timeoutMs: 60_000,
        intervalMs: 200,
      },
    );
    await new Promise((r) => setTimeout(r, 500)); // let the engine answer
    Deno.kill(-child.pid, signal);
    const status = await child.status;
    const stderr = new TextDecoder().decode(
      (await child.stderr.getReader().read()).value ?? new Uint8Array(),
    );
    if (signal !== "SIGKILL") {
      assert.equal(status.code, { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[signal], stderr);
    }
    await waitUntil(() => {
      const left = [
        ...processesWith(`FIXTURE_LABEL=${label}`).map((p) => `process ${p}`),
        ...tempDirs(label),
        ...[...Deno.readDirSync(dirname(fixture))].filter((e) => e.name.endsWith(".tmp")).map((e) =>
          e.name
        ),
      ];
      return left.length === 0 ? Promise.resolve() : Promise.reject(new Error(left.join(", ")));
    }, { timeoutMs: 10_000, intervalMs: 200 });
    assert.equal(await Deno.readTextFile(fixture), before, "the notebook is unchanged");
  });
}
