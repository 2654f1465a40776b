import assert from "node:assert/strict";
import { CODE_PATHS, collectProvenance } from "./provenance.ts";

async function git(cwd: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

Deno.test("provenance: git_dirty reflects code only, not the outputs a run writes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "provenance-" });
  try {
    await git(dir, "init", "-q");
    await git(dir, "config", "user.email", "t@example.invalid");
    await git(dir, "config", "user.name", "t");
    await Deno.mkdir(`${dir}/lib`);
    await Deno.mkdir(`${dir}/notebooks`);
    await Deno.writeTextFile(`${dir}/lib/a.ts`, "export const a = 1;\n");
    await Deno.writeTextFile(`${dir}/deno.json`, "{}\n");
    await Deno.writeTextFile(`${dir}/notebooks/n.ipynb`, "{}\n");
    await git(dir, "add", ".");
    await git(dir, "commit", "-q", "-m", "init");
    assert.equal((await collectProvenance({ cwd: dir })).git_dirty, false);

    // What the main job writes while it runs: new CSVs, executed notebooks, reports.
    await Deno.mkdir(`${dir}/data`);
    await Deno.writeTextFile(`${dir}/data/x.csv`, "a\n1\n");
    await Deno.writeTextFile(`${dir}/notebooks/n.ipynb`, '{"executed": true}\n');
    await Deno.mkdir(`${dir}/report`);
    await Deno.writeTextFile(`${dir}/report/index.html`, "<p>\n");
    assert.equal((await collectProvenance({ cwd: dir })).git_dirty, false);
    // ... also when asked from a subfolder, as a notebook kernel does.
    assert.equal((await collectProvenance({ cwd: `${dir}/notebooks` })).git_dirty, false);

    // Code changes count: a modified tracked file, an untracked module, the config.
    await Deno.writeTextFile(`${dir}/lib/a.ts`, "export const a = 2;\n");
    assert.equal((await collectProvenance({ cwd: `${dir}/notebooks` })).git_dirty, true);
    await git(dir, "checkout", "-q", "--", "lib/a.ts");
    await Deno.writeTextFile(`${dir}/lib/new.ts`, "export {};\n");
    assert.equal((await collectProvenance({ cwd: dir })).git_dirty, true);
    await Deno.remove(`${dir}/lib/new.ts`);
    await Deno.writeTextFile(`${dir}/deno.json`, '{"tasks": {}}\n');
    assert.equal((await collectProvenance({ cwd: dir })).git_dirty, true);
    assert.ok(CODE_PATHS.includes("lib") && !CODE_PATHS.includes("data"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
