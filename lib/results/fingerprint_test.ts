// The outdated check on a small repository of its own: data measured at a commit stays current
// through comment, layout and type-only edits of its experiment's code, and turns outdated when
// the code changes; without a usable commit it falls back to the stored fingerprint.

import assert from "node:assert/strict";
import { join } from "node:path";
import { changedSince, codeFingerprint, type CodeOrigin, outdatedCheck } from "./fingerprint.ts";

const FILES: Record<string, string> = {
  "lib/exp/mod.ts": [
    "/** An experiment. */",
    'import { step } from "./helper.ts";',
    'import type { Shape } from "../types.ts";',
    "export const run = (s: Shape) => step(s.n); // measures",
  ].join("\n"),
  "lib/exp/helper.ts": [
    'import type { Shape } from "../types.ts";',
    "/** One step. */",
    "export function step(n: number): number {",
    "  return n * 2;",
    "}",
    "/** A shape the step reads. */",
    "export interface Extra { shape: Shape }",
  ].join("\n"),
  "lib/types.ts": "/** Shapes. */\nexport interface Shape {\n  n: number;\n}\n",
  "lib/exp/mod_test.ts": "// not part of the fingerprint\n",
};

async function git(root: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args: ["-C", root, "-c", "user.name=t", "-c", "user.email=t@t", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

/** A repository holding FILES in one commit; returns its root and that commit. */
async function repo(): Promise<{ root: string; commit: string; module: string }> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "fingerprint_test_" }));
  for (const [path, text] of Object.entries(FILES)) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  await git(root, "init", "-q");
  await git(root, "add", ".");
  await git(root, "commit", "-q", "-m", "data measured here");
  return {
    root,
    commit: await git(root, "rev-parse", "HEAD"),
    module: `file://${root}/lib/exp/mod.ts`,
  };
}

async function edit(root: string, path: string, change: (text: string) => string) {
  const file = join(root, path);
  await Deno.writeTextFile(file, change(await Deno.readTextFile(file)));
}

const origin = (commit: string, extra: Partial<CodeOrigin> = {}): CodeOrigin => ({
  experiment: "exp",
  git_commit: commit,
  git_dirty: false,
  code_fingerprint: "0000000000000000",
  ...extra,
});

const GRAPH = ["exp/helper.ts", "exp/mod.ts", "types.ts"];

Deno.test("outdated check: comments, layout and a type moved between files are not a change", async () => {
  const { root, commit, module } = await repo();
  try {
    const before = await codeFingerprint(module, root);
    await edit(
      root,
      "lib/exp/helper.ts",
      (t) =>
        t.replace("/** One step. */", "// Reworded: why the step doubles.")
          .replace("return n * 2;", "return n *\n    2; /* http://x */")
          .replace("export interface Extra { shape: Shape }", ""),
    );
    await edit(root, "lib/types.ts", (t) => `${t}export interface Extra { shape: Shape }\n`);
    await edit(root, "lib/exp/mod.ts", (t) => t.replace("// measures", "// measures, twice"));
    assert.deepEqual(await changedSince(GRAPH, commit, root), []);
    const check = outdatedCheck(new Map([["exp", module]]), root);
    assert.equal(await check(origin(commit)), undefined);
    assert.equal(await codeFingerprint(module, root), before, "the fingerprint agrees");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("outdated check: an unused new function is not a change, a call of it is", async () => {
  const { root, commit } = await repo();
  try {
    await edit(
      root,
      "lib/exp/helper.ts",
      (t) => `${t}\nexport function triple(n: number) {\n  return n * 3;\n}\n`,
    );
    assert.deepEqual(await changedSince(GRAPH, commit, root), []);
    await edit(
      root,
      "lib/exp/mod.ts",
      (t) => t.replace("step(s.n)", "triple(s.n)").replace("{ step }", "{ triple }"),
    );
    assert.deepEqual(await changedSince(GRAPH, commit, root), ["exp/helper.ts", "exp/mod.ts"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("outdated check: a code change is outdated, and says which file changed", async () => {
  const { root, commit, module } = await repo();
  try {
    await edit(root, "lib/exp/helper.ts", (t) => t.replace("n * 2", "n * 3"));
    const why = await outdatedCheck(new Map([["exp", module]]), root)(origin(commit));
    assert.match(
      why ?? "",
      /other code of exp \(since [0-9a-f]{7} the code of lib\/exp\/helper\.ts changed\)/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("outdated check: a new file in the graph counts unless it holds only types", async () => {
  const { root, commit, module } = await repo();
  try {
    await Deno.writeTextFile(
      join(root, "lib/more_types.ts"),
      "/** More. */\nexport type N = number;\n",
    );
    await edit(root, "lib/exp/mod.ts", (t) => `import type { N } from "../more_types.ts";\n${t}`);
    const check = () => outdatedCheck(new Map([["exp", module]]), root)(origin(commit));
    assert.equal(await check(), undefined);
    await Deno.writeTextFile(
      join(root, "lib/more_types.ts"),
      "export type N = number;\nexport const M = 1;\n",
    );
    assert.match(await check() ?? "", /lib\/more_types\.ts changed/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("outdated check: an unknown commit or a dirty tree falls back to the fingerprint", async () => {
  const { root, commit, module } = await repo();
  try {
    await edit(root, "lib/exp/helper.ts", (t) => t.replace("/** One step. */", "// reworded"));
    const now = await codeFingerprint(module, root);
    const check = outdatedCheck(new Map([["exp", module]]), root);
    const unknown = "f".repeat(40);
    assert.equal(await check(origin(unknown, { code_fingerprint: now })), undefined);
    assert.match(
      await check(origin(unknown)) ?? "",
      /0000000000000000 at fffffff; now [0-9a-f]{16}/,
    );
    assert.match(
      await check(origin(commit, { git_dirty: true })) ?? "",
      /uncommitted changes; now/,
    );
    assert.equal(await check({ ...origin(commit), experiment: "other" }), undefined);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
