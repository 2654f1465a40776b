import assert from "node:assert/strict";
import { descendants, processTree, splitCores } from "./placement.ts";

Deno.test("placement: descendants walk the process tree breadth first", () => {
  const tree = new Map([[1, [2, 3]], [2, [4]], [4, [5]]]);
  assert.deepEqual(descendants(1, tree), [2, 3, 4, 5]);
  assert.deepEqual(descendants(9, tree), []);
  assert.ok(processTree().get(Deno.ppid)?.includes(Deno.pid));
});

Deno.test("placement: split needs two cores on Linux", () => {
  assert.equal(splitCores(1), undefined);
  if (Deno.build.os === "linux") {
    assert.deepEqual(splitCores(2), { engine: "0", runner: "1" });
    assert.deepEqual(splitCores(8), { engine: "0", runner: "1-7" });
  }
});
