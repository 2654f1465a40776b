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

Deno.test("unordered answers are multisets: one missing row is one missing row, and named", () => {
  const ref = a([["a", 1], ["b", 2], ["c", 3], ["d", 4], ["e", 5]]);
  const missing = compareAnswers(ref, a([["e", 5], ["a", 1], ["c", 3], ["d", 4]]));
  assert.equal(missing.mismatchedRows, 1, missing.examples.join("; "));
  assert.equal(missing.missingRows, 1);
  assert.equal(missing.extraRows, 0);
  assert.deepEqual(missing.examples, [
    "row count differs: expected 5, got 4",
    'missing row: expected ["b",2]',
  ]);
  const extra = compareAnswers(
    ref,
    a([["a", 1], ["b", 2], ["b", 7], ["c", 3], ["d", 4], ["e", 5]]),
  );
  assert.equal(extra.mismatchedRows, 1);
  assert.equal(extra.extraRows, 1);
  assert.deepEqual(extra.examples.slice(1), ['extra row: got ["b",7]']);
  // Duplicates count: a row that appears twice in the reference must appear twice.
  const dup = compareAnswers(a([["x", 1], ["x", 1], ["y", 2]]), a([["y", 2], ["x", 1]]));
  assert.equal(dup.missingRows, 1);
  assert.deepEqual(dup.examples.slice(1), ['missing row: expected ["x",1]']);
  // A changed value: one row differs (a missing and an extra row with the same first cell).
  const changed = compareAnswers(ref, a([["a", 1], ["b", 2], ["c", 30], ["d", 4], ["e", 5]]));
  assert.equal(changed.mismatchedRows, 1);
  assert.equal(changed.missingRows, 1);
  assert.equal(changed.extraRows, 1);
  assert.deepEqual(changed.examples, ['row differs: expected ["c",3], got ["c",30]']);
  // Floats within tolerance still match row for row.
  assert.equal(
    compareAnswers(a([["x", 0.3], ["y", 1]]), a([["y", 1], ["x", 0.1 + 0.2]])).equal,
    true,
  );
});

Deno.test("ordered answers: positions count, and a missing row is still named", () => {
  const ref = a([["a", 4], ["b", 3], ["c", 2], ["d", 1]]);
  const v = compareAnswers(ref, a([["a", 4], ["c", 2], ["d", 1]]), { ordered: true });
  assert.equal(v.equal, false);
  assert.equal(v.missingRows, 1);
  assert.equal(v.extraRows, 0);
  // In a top-N list every row after the gap is out of place: that is the answer's fault.
  assert.equal(v.mismatchedRows, 3);
  assert.equal(v.examples[0], "row count differs: expected 4, got 3");
  assert.equal(v.examples[1], 'missing row: expected ["b",3]');
  assert.match(v.examples[2], /^row 2: expected \["b",3\], got \["c",2\]$/);
  // Same rows, another order: nothing missing, the positions differ.
  const swapped = compareAnswers(ref, a([["b", 3], ["a", 4], ["c", 2], ["d", 1]]), {
    ordered: true,
  });
  assert.equal(swapped.missingRows, 0);
  assert.equal(swapped.extraRows, 0);
  assert.equal(swapped.mismatchedRows, 2);
});

Deno.test("the verdict does not depend on how many examples are asked for", () => {
  const none = { maxExamples: 0 };
  assert.equal(compareAnswers(a([]), a([], ["k", "w"]), none).equal, false);
  assert.equal(compareAnswers(a([["x", 1]]), a([["x", 2]]), none).equal, false);
  assert.equal(compareAnswers(a([["x", 1]]), a([["x", 1]]), none).equal, true);
});
