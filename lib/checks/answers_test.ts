import assert from "node:assert/strict";
import { type Answer, canonicalOrder, cellsEqual, compareAnswers } from "./answers.ts";

const a = (rows: (string | number | null)[][], columns = ["k", "v"]): Answer => ({ columns, rows });

Deno.test("equal sets of rows in any order are equal; order counts when asked", () => {
  const ref = a([["x", 1], ["y", 2]]);
  const shuffled = a([["y", 2], ["x", 1]]);
  assert.equal(compareAnswers(ref, shuffled).equal, true);
  const v = compareAnswers(ref, shuffled, { ordered: true });
  assert.equal(v.equal, false);
  assert.equal(v.mismatchedRows, 2);
});

Deno.test("numbers agree within tolerance, strings and types exactly", () => {
  assert.equal(cellsEqual(1e12, 1e12 + 1e-4), true);
  assert.equal(cellsEqual(100, 100.5), false);
  assert.equal(cellsEqual("1", 1), false);
  assert.equal(cellsEqual(null, null), true);
  assert.equal(compareAnswers(a([["x", 0.1 + 0.2]]), a([["x", 0.3]])).equal, true);
});

Deno.test("mismatches are a verdict with examples, never a throw", () => {
  const v = compareAnswers(a([["x", 1], ["y", 2], ["z", 3]]), a([["x", 1], ["y", 5]]));
  assert.equal(v.equal, false);
  assert.equal(v.referenceRows, 3);
  assert.equal(v.candidateRows, 2);
  assert.ok(v.mismatchedRows >= 2);
  assert.match(v.examples[0], /row count differs: expected 3, got 2/);
  assert.match(v.examples.join(" "), /expected \["y",2\], got \["y",5\]/);
  const cols = compareAnswers(a([["x", 1]]), a([["x", 1]], ["k", "w"]));
  assert.equal(cols.equal, false);
  assert.match(cols.examples[0], /columns differ/);
});

Deno.test("canonical order sorts by every column, numbers numerically", () => {
  assert.deepEqual(canonicalOrder([["b", 10], ["a", 9], ["b", 2]]), [["a", 9], ["b", 2], [
    "b",
    10,
  ]]);
});
