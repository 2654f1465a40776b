// Replay: every committed notebook, run headlessly with no engine available (any start
// would fail: external provider, no URLs), shows the committed results from data/ with an
// output in every cell. The executed copy goes to a temp file; the notebook is untouched.

import assert from "node:assert/strict";
import { listNotebooks, runNotebook } from "./notebooks.ts";

const NOTEBOOKS = new URL("../../notebooks/", import.meta.url).pathname;

for (const path of await listNotebooks(NOTEBOOKS)) {
  const name = path.split("/").pop()!;
  Deno.test(`replay ${name}: every cell shows committed results without any engine`, async () => {
    const out = await Deno.makeTempFile({ suffix: ".ipynb" });
    const before = await Deno.readTextFile(path);
    try {
      const result = await runNotebook(path, {
        outPath: out,
        env: { BENCH_RUN: "0", BENCH_PROVIDER: "external" },
        log: () => {},
      });
      assert.equal(result.outPath, out);
      const text = await Deno.readTextFile(out);
      assert.match(text, /<svg/, "at least one chart");
      assert.equal(await Deno.readTextFile(path), before, "the notebook itself is untouched");
    } finally {
      await Deno.remove(out).catch(() => {});
    }
  });
}
