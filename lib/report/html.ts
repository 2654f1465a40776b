/**
 * HTML export of executed notebooks: one page per notebook (nbconvert) plus an index page.
 *
 * Charts survive because lib/report/chart.ts emits them as `text/html` (inline SVG);
 * nbconvert 6.5.3 would drop `image/svg+xml`.
 *
 * @module
 */
import { basename, join } from "node:path";
import { listAdrs } from "./adr.ts";
import { decisionsNotebook, type RecordChart } from "./decisions.ts";
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
  await nbconvert(["--output-dir", outDir, ...notebooks]);
  const pages: ExportedPage[] = [];
  for (const notebook of notebooks) {
    const name = basename(notebook, ".ipynb");
    const nb = JSON.parse(await Deno.readTextFile(notebook)) as NotebookJson;
    pages.push({ notebook, href: `${name}.html`, title: notebookTitle(nb, name) });
  }
  return pages;
}

/** Runs `jupyter nbconvert --to html` with the given arguments; one-line error on failure. */
async function nbconvert(args: string[]): Promise<void> {
  const out = await new Deno.Command(JUPYTER, {
    args: ["nbconvert", "--to", "html", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const tail = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-5).join("\n");
    throw new Error(`nbconvert failed (exit ${out.code}):\n${tail}`);
  }
}

/**
 * Exports the notebooks, then the front page `index.html`: the decision record with its charts
 * (see ./decisions.ts) followed by links to every notebook page. Returns the index's path.
 */
export async function exportReport(
  notebooks: string[],
  outDir = REPORT_DIR,
  charts: ReadonlyMap<string, RecordChart> = new Map(),
  adrs?: string[],
): Promise<string> {
  const pages = await exportPages(notebooks, outDir);
  const records = await Promise.all(
    (adrs ?? await listAdrs()).map(async (file) => ({
      file,
      markdown: await Deno.readTextFile(file),
    })),
  );
  const nb = await decisionsNotebook(records, pages, charts);
  const source = join(outDir, "index.ipynb");
  await Deno.writeTextFile(source, JSON.stringify({ ...nb, nbformat: 4, nbformat_minor: 4 }));
  try {
    await nbconvert(["--no-input", "--output", "index", "--output-dir", outDir, source]);
  } finally {
    await Deno.remove(source).catch(() => {});
  }
  return join(outDir, "index.html");
}
