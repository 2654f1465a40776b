/**
 * HTML export of executed notebooks: one page per notebook (nbconvert) plus an index page.
 *
 * Charts survive because lib/report/chart.ts emits them as `text/html` (inline SVG);
 * nbconvert 6.5.3 would drop `image/svg+xml`.
 *
 * @module
 */
import { basename, join } from "node:path";
import { cellText, type NotebookJson } from "./notebooks.ts";

/** Debian's Jupyter (the pyenv one on PATH cannot import nbconvert). */
export const JUPYTER = "/usr/bin/jupyter";
/** Where the report goes: top level, gitignored, rebuilt by every run. */
export const REPORT_DIR = "report";

/** One exported page, as the index lists it. */
export interface ExportedPage {
  /** The notebook it was made from. */
  notebook: string;
  /** File name of the page inside the report folder. */
  href: string;
  /** First markdown heading of the notebook (or its file name). */
  title: string;
}

/** The first markdown heading of a notebook, without the `#`s; the file name if none. */
export function notebookTitle(nb: NotebookJson, fallback: string): string {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const heading = cellText(cell.source).split("\n").find((l) => /^#{1,6}\s/.test(l));
    if (heading) return heading.replace(/^#+\s*/, "").trim();
  }
  return fallback;
}

/**
 * Converts executed notebooks to HTML pages in `outDir` (one nbconvert call for all: Python
 * start-up dominates the cost) and returns what the index needs.
 */
export async function exportPages(
  notebooks: string[],
  outDir = REPORT_DIR,
): Promise<ExportedPage[]> {
  if (notebooks.length === 0) return [];
  await Deno.mkdir(outDir, { recursive: true });
  const out = await new Deno.Command(JUPYTER, {
    args: ["nbconvert", "--to", "html", "--output-dir", outDir, ...notebooks],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const tail = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
    throw new Error(`nbconvert failed (exit ${out.code}):\n${tail}`);
  }
  const pages: ExportedPage[] = [];
  for (const notebook of notebooks) {
    const name = basename(notebook, ".ipynb");
    const nb = JSON.parse(await Deno.readTextFile(notebook)) as NotebookJson;
    pages.push({ notebook, href: `${name}.html`, title: notebookTitle(nb, name) });
  }
  return pages;
}

/** Escapes text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The index page: every notebook's title linking to its page. */
export function indexHtml(pages: ExportedPage[], generated = new Date()): string {
  const items = pages.map((p) =>
    `    <li><a href="${escapeHtml(p.href)}">${escapeHtml(p.title)}</a> ` +
    `<span class="src">${escapeHtml(basename(p.notebook))}</span></li>`
  ).join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Benchmark notebooks</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; line-height: 1.5; }
    .src { color: #666; font-size: 0.85em; margin-left: 0.5em; }
  </style>
</head>
<body>
  <h1>Benchmark notebooks</h1>
  <p>Executed notebooks behind the ADR in <code>adr/</code>; each page shows the charts and
  the numbers from <code>data/</code>. Generated ${escapeHtml(generated.toISOString())}.</p>
  <ul>
${items}
  </ul>
</body>
</html>
`;
}

/** Exports the notebooks and writes `index.html`; returns the path of the index. */
export async function exportReport(notebooks: string[], outDir = REPORT_DIR): Promise<string> {
  const pages = await exportPages(notebooks, outDir);
  const index = join(outDir, "index.html");
  await Deno.writeTextFile(index, indexHtml(pages));
  return index;
}
