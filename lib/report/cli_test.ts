import assert from "node:assert/strict";
import { main } from "./cli.ts";

/** Runs the CLI with stderr captured. */
async function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const original = console.error;
  const cwd = Deno.cwd();
  console.error = (...parts: unknown[]) => lines.push(parts.join(" "));
  try {
    return { code: await main(args), stderr: lines.join("\n") };
  } finally {
    console.error = original;
    Deno.chdir(cwd);
  }
}

Deno.test("an unknown notebook is a usage error that lists the valid names", async () => {
  const { code, stderr } = await cli("run", "no-such-notebook");
  assert.equal(code, 2);
  assert.match(stderr, /^error: unknown notebook "no-such-notebook"; valid names: /);
});

Deno.test("unknown commands and options are one-line usage errors", async () => {
  assert.equal((await cli("frobnicate")).code, 2);
  assert.equal((await cli("run", "--bogus")).code, 2);
  assert.equal((await cli("run", "--all", "x")).code, 2);
  assert.match((await cli("run", "nope", "--env", "NOEQUALS")).stderr, /--env expects KEY=VALUE/);
});
