import assert from "node:assert/strict";
import type { FigureData } from "../../results/figure.ts";
import type { Manifest } from "../../results/rundir.ts";
import { headroom, sloTable } from "./record.ts";

const data = (tables: string[]): FigureData => ({
  rows: () => Promise.resolve([]),
  manifest: () =>
    Promise.resolve(
      { version: 1, tables: Object.fromEntries(tables.map((t) => [t, {}])) } as Manifest,
    ),
});

Deno.test("headroom: a margin, a multiple, a miss", () => {
  assert.equal(headroom(96.2, 100, "max"), "3.8 % below the limit");
  assert.equal(headroom(20, 1000, "max"), "50.0× below the limit");
  assert.equal(headroom(150, 100, "max"), "misses by 50.0 %");
  assert.equal(headroom(0, 0, "max"), "met (none)");
});

Deno.test("sloTable: a block table; a row without committed data says pending, never a number", async () => {
  const row = {
    what: "search p99",
    requirement: "search_p99_ms",
    table: "search.csv",
    bound: "max" as const,
    notebook: "09-product-search",
    measured: () => Promise.resolve({ value: 50, text: "50 ms" }),
  };
  const pending = await sloTable(data([]), [row]);
  assert.ok(pending.startsWith("\n") && pending.endsWith("\n"), "a block figure");
  assert.match(
    pending,
    /\| search p99 +\| ≤ 200 ms +\| pending \(no committed search\.csv\) +\| – +\|/,
  );
  const met = await sloTable(data(["search.csv"]), [row]);
  assert.match(
    met,
    /\| 50 ms +\| 4\.0× below the limit +\| \[09\]\(\.\.\/notebooks\/09-product-search\.ipynb\) +\|/,
  );
});
