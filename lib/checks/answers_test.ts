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

Deno.test("integers compare exactly: a count or an amount in cents off by one is a mismatch", () => {
  assert.equal(cellsEqual(1_000_000_000, 1_000_000_001), false, "relTol must not forgive a count");
  assert.equal(cellsEqual(1_000_000, 1_000_001, 1e-3), false, "nor any tolerance asked for");
  const v = compareAnswers(a([["x", 1_000_000_000]]), a([["x", 1_000_000_001]]));
  assert.equal(v.equal, false);
  assert.match(v.examples.join(" "), /1000000000.*1000000001/);
  // Floats keep their tolerance, also next to an integer (an average that came out whole in
  // one engine and a hair off in another).
  assert.equal(cellsEqual(2.5e9 + 0.25, 2.5e9 + 0.2500001), true);
  assert.equal(cellsEqual(3, 3 + 1e-12), true);
  // Beyond 2^53 a double no longer holds every integer: a gap there may be representation.
  assert.equal(cellsEqual(2 ** 53 + 2, 2 ** 53 + 4), true);
});
