import assert from "node:assert/strict";
import {
  flipWeight,
  ratioScore,
  type Score,
  scoreDecision,
  shareScore,
  totalOf,
} from "./matrix.ts";
import { DEFAULT_WEIGHTS } from "./weights.ts";

const score = (option: string, criterion: Score["criterion"], s: number): Score => ({
  option,
  criterion,
  score: s,
  basis: "measured",
  rule: "test",
});

const crits = Object.keys(DEFAULT_WEIGHTS) as Score["criterion"][];
const all = (option: string, s: number) => crits.map((c) => score(option, c, s));

Deno.test("scores from ratios and shares are 1–5 and monotonic", () => {
  assert.equal(ratioScore(1), 5);
  assert.equal(ratioScore(0), 1);
  assert.equal(ratioScore(0.5), 3);
  assert.equal(shareScore(0, 0.1), 5);
  assert.equal(shareScore(0.2, 0.1), 1);
  assert.throws(() => ratioScore(-1), /ratio must be >= 0/);
});

Deno.test("a flip weight makes the challenger tie the winner, and none exists when it cannot", () => {
  // A is better everywhere but on performance, where B leads by 4.
  const scores = [
    ...all("A", 4).filter((s) => s.criterion !== "performance"),
    score("A", "performance", 1),
  ];
  scores.push(
    ...all("B", 3).filter((s) => s.criterion !== "performance"),
    score("B", "performance", 5),
  );
  const w = flipWeight(scores, DEFAULT_WEIGHTS, "A", "B", "performance")!;
  const tied = { ...DEFAULT_WEIGHTS, performance: w };
  assert.ok(Math.abs(totalOf(scores, "A", tied) - totalOf(scores, "B", tied)) < 1e-9);
  assert.equal(flipWeight(scores, DEFAULT_WEIGHTS, "A", "B", "cost"), undefined);
});

Deno.test("a decision is scored, its winner named and a missing score refused", async () => {
  const spec = {
    id: "DX",
    title: "test",
    options: ["A", "B"],
    scores: () => Promise.resolve([...all("A", 4), ...all("B", 3)]),
  };
  const d = await scoreDecision(spec, {
    rows: () => Promise.resolve([]),
    manifest: () => Promise.reject(),
  });
  assert.equal(d.winner, "A");
  assert.deepEqual(d.flips, [], "B is worse on every criterion: no weight can flip it");
  await assert.rejects(
    () =>
      scoreDecision({ ...spec, scores: () => Promise.resolve(all("A", 4)) }, {
        rows: () => Promise.resolve([]),
        manifest: () => Promise.reject(),
      }),
    /DX: B has 0 scores on consistency/,
  );
});
