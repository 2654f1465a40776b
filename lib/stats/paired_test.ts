import assert from "node:assert/strict";
import { coefficientOfVariation, pairedRatio } from "./paired.ts";

Deno.test("pairedRatio: geometric mean of pair ratios with a t interval on logs", () => {
  const r = pairedRatio([90, 180, 95], [100, 200, 100]);
  assert.ok(Math.abs(r.ratio - Math.cbrt(0.9 * 0.9 * 0.95)) < 1e-12);
  assert.ok(r.low < r.ratio && r.high > r.ratio);
  // Identical ratios: a zero-width interval.
  const same = pairedRatio([2, 4, 6], [1, 2, 3]);
  assert.equal(same.ratio, 2);
  assert.ok(Math.abs(same.low - 2) < 1e-12 && Math.abs(same.high - 2) < 1e-12);
  // One pair: no interval.
  assert.ok(Number.isNaN(pairedRatio([1], [2]).low));
  assert.throws(() => pairedRatio([1, 2], [1]), /pairs must match/);
  assert.throws(() => pairedRatio([0], [1]), /not positive/);
});

Deno.test("pairedRatio: known interval (t = 4.303 at 2 df)", () => {
  const logs = [Math.log(0.8), Math.log(0.9), Math.log(1.0)];
  const m = (logs[0] + logs[1] + logs[2]) / 3;
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - m) ** 2, 0) / 2);
  const r = pairedRatio([0.8, 0.9, 1.0], [1, 1, 1]);
  assert.ok(Math.abs(r.high - Math.exp(m + 4.302652729911275 * sd / Math.sqrt(3))) < 1e-6);
});

Deno.test("coefficientOfVariation", () => {
  assert.ok(Math.abs(coefficientOfVariation([9, 10, 11]) - 0.1) < 1e-12);
  assert.ok(Number.isNaN(coefficientOfVariation([1])));
});
