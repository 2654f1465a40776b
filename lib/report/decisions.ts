/**
 * The report's front page: the decision record itself (adr/*.md, its figures already computed
 * from data/), with its charts drawn where the record places them (`<!-- chart:<id> -->`),
 * links that lead to the report's notebook pages and the CSVs, and the notebooks after it.
 * It is built as a notebook of markdown cells and pre-rendered chart outputs, exported by the
 * same nbconvert as the notebook pages, so it reads and looks like them.
 *
 * @module
 */

import { basename } from "node:path";
import type { Chart } from "./chart.ts";
import type { ExportedPage } from "./html.ts";
import type { NotebookCell, NotebookJson } from "./notebooks.ts";

/** A chart the record places with `<!-- chart:<id> -->`, computed when the page is built. */
export type RecordChart = () => Chart | Promise<Chart>;

/** Where the record asks for a chart. */
const CHART = /<!--\s*chart:([a-z0-9_.-]+)\s*-->/g;

function lines(text: string): string[] {
  const parts = text.split("\n");
  return parts.map((l, i) => (i < parts.length - 1 ? `${l}\n` : l)).filter((l) => l !== "");
}

function markdownCell(text: string): NotebookCell {
  return { cell_type: "markdown", metadata: {}, source: lines(text) } as NotebookCell;
}

function chartCell(chart: Chart): NotebookCell {
  return {
    cell_type: "code",
    metadata: {},
    source: [],
    execution_count: 1,
    outputs: [{
      output_type: "display_data",
      data: { "text/html": lines(chart.html), "text/plain": ["[chart]"] },
      metadata: {},
    }],
  } as NotebookCell;
}

/**
 * The record's markdown as the report shows it: front matter left out, links to notebooks
 * pointing at their report pages, links to data/ kept (the report sits beside data/).
 */
export function reportMarkdown(markdown: string, pages: readonly ExportedPage[]): string {
  const page = new Map(pages.map((p) => [basename(p.notebook), p.href]));
  return markdown
    .replace(/^---\n[\s\S]*?\n---\n/, "")
    .replace(/\]\((?:\.\.\/)?notebooks\/([^)#\s]+\.ipynb)(#[^)]*)?\)/g, (m, name, hash = "") => {
      const href = page.get(name);
      return href ? `](${href}${hash})` : m;
    });
}

/**
 * The front page as a notebook: each record's text split at its chart placeholders, the
 * charts as outputs, then the list of notebook pages.
 */
export async function decisionsNotebook(
  records: readonly { file: string; markdown: string }[],
  pages: readonly ExportedPage[],
  charts: ReadonlyMap<string, RecordChart>,
): Promise<NotebookJson> {
  const cells: NotebookCell[] = [];
  for (const { file, markdown } of records) {
    const text = reportMarkdown(markdown, pages);
    let at = 0;
    for (const m of text.matchAll(CHART)) {
      cells.push(markdownCell(text.slice(at, m.index!)));
      const make = charts.get(m[1]);
      if (!make) throw new Error(`${file}: no chart "${m[1]}" is registered for the report`);
      cells.push(chartCell(await make()));
      at = m.index! + m[0].length;
    }
    cells.push(markdownCell(text.slice(at)));
  }
  cells.push(markdownCell(
    "## The notebooks behind the record\n\n" +
      pages.map((p) => `- [${p.title}](${p.href}) — \`${basename(p.notebook)}\``).join("\n"),
  ));
  return {
    cells: cells.filter((c) => c.cell_type !== "markdown" || (c.source as string[]).length > 0),
    metadata: {
      kernelspec: { display_name: "Deno", language: "typescript", name: "deno" },
      language_info: { name: "typescript" },
    },
  };
}
