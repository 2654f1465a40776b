import assert from "node:assert/strict";
import { templateResidue, unmarkedNumbers } from "./adr_lint.ts";

Deno.test('template residue is found outside code spans; a planted {F("x")} fails', () => {
  const md = 'Good: `${not}`.\nBad: stores a row in {F("chdb_bytes_per_row")} and {{x}}.\n';
  const p = templateResidue(md, "adr.md");
  assert.deepEqual(p.map((x) => [x.line, x.id]), [[2, "{F("], [2, "{{"], [2, "}}"]]);
  assert.match(p[0].message, /never rendered: make it a figure marker/);
});

Deno.test("numbers that look measured must be figures; versions, ids, counts and code may stay", () => {
  const md = [
    "---",
    "date: 2026-12-01",
    "---",
    "# D4 — 10.5 ms in a heading is fine",
    "PostgreSQL 15.20 and Deno 2.9.6 with 16 clients, 3 repetitions, 10^6 events, D9.",
    "A figure <!-- fig:a.b -->12.5 ms<!-- /fig --> and `s = 0.99` and [x](../data/v1.2.csv).",
    "<!-- a comment with 3.5 ms -->",
    "Typed: 12.5 ms, 34 %, 2×, 1 840 ops/s, 0.93 and 7 MiB.",
  ].join("\n");
  const p = unmarkedNumbers(md, "adr.md");
  assert.deepEqual(p.map((x) => [x.line, x.id]), [
    [8, "12.5 ms"],
    [8, "34 %"],
    [8, "2×"],
    [8, "1 840 ops/s"],
    [8, "0.93"],
    [8, "7 MiB"],
  ]);
});
