import assert from "node:assert/strict";
import { chart } from "./chart.ts";
import { decisionsNotebook, reportMarkdown } from "./decisions.ts";

const pages = [{ notebook: "notebooks/01-x.ipynb", href: "01-x.html", title: "01 — X" }];

Deno.test("the record's links lead to the report's notebook pages; front matter is left out", () => {
  const md =
    "---\nstatus: proposed\n---\n# R\nSee [nb](../notebooks/01-x.ipynb#sec) and [csv](../data/x.csv).\n";
  assert.equal(
    reportMarkdown(md, pages),
    "# R\nSee [nb](01-x.html#sec) and [csv](../data/x.csv).\n",
  );
});

Deno.test("charts go where the record places them; an unknown chart is an error", async () => {
  const md = "# R\nbefore\n<!-- chart:demo -->\nafter\n";
  const c = chart({ marks: [] });
  const nb = await decisionsNotebook(
    [{ file: "r.md", markdown: md }],
    pages,
    new Map([["demo", () => c]]),
  );
  assert.deepEqual(nb.cells.map((x) => x.cell_type), ["markdown", "code", "markdown", "markdown"]);
  assert.match(JSON.stringify(nb.cells[1].outputs), /bench-chart/);
  assert.match(JSON.stringify(nb.cells.at(-1)!.source), /\[01 — X\]\(01-x\.html\)/);
  await assert.rejects(
    () => decisionsNotebook([{ file: "r.md", markdown: "<!-- chart:nope -->" }], pages, new Map()),
    /r\.md: no chart "nope" is registered/,
  );
});
