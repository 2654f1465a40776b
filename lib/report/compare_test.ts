import assert from "node:assert/strict";
import { conclusionChange } from "./compare.ts";

Deno.test("compare flags changed verdicts, moves beyond an interval and large unbounded moves", () => {
  assert.equal(
    conclusionChange({ text: "PostgreSQL is ahead" }, { text: "PostgreSQL is ahead" }),
    undefined,
  );
  assert.equal(
    conclusionChange({ text: "PostgreSQL is ahead" }, { text: "neither is clearly ahead" }),
    "the verdict reads differently",
  );
  assert.equal(conclusionChange({ text: "1 933 ops/s" }, { text: "1 990 ops/s" }), undefined);
  assert.equal(conclusionChange({ text: "1 933 ops/s" }, { text: "734 ops/s" }), "changed by 62 %");
  const before = { text: "0.93×", value: 0.93, low: 0.46, high: 1.84 };
  assert.equal(
    conclusionChange(before, { text: "1.2×", value: 1.2, low: 0.9, high: 1.6 }),
    undefined,
  );
  assert.equal(
    conclusionChange(before, { text: "2.5×", value: 2.5, low: 2.1, high: 2.9 }),
    "the value left the other side's 95 % interval",
  );
});
