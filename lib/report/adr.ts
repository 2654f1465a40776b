/**
 * Numbers in the ADR come from data, never from typing: every number is a marked region
 *
 *     <!-- fig:oltp.pg_rc_tps_c16 -->12 345 tx/s<!-- /fig -->
 *
 * whose text a registered figure function computes from the CSVs in `data/`. `updateAdr`
 * rewrites the regions; `checkAdr` lists regions that no longer match the data (stale), ids no
 * registered function knows (unknown), figures that fail, malformed markers, and links to
 * `data/` or `notebooks/` files that do not exist.
 *
 * This module knows no experiment: each experiment module exports a {@link FigureSet}, and
 * `lib/experiments/figures.ts` lists them.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { DATA_DIR, REPO_ROOT } from "../results/paths.ts";
import { readManifest, readTable } from "../results/rundir.ts";
import type { ResultRow } from "../results/schema.ts";
import { type FigureData, type FigureFn, type FigureSet, figureText } from "../results/figure.ts";
import type { Manifest } from "../results/rundir.ts";
import type { CodeOrigin } from "../results/fingerprint.ts";
import { templateResidue, unmarkedNumbers } from "./adr_lint.ts";

/** Where the ADRs live. */
export const ADR_DIR = join(REPO_ROOT, "adr");

/** Merges the figure sets of all experiments; two sets claiming one id is a bug. */
export function mergeFigures(sets: readonly FigureSet[]): Map<string, FigureFn> {
  const registry = new Map<string, FigureFn>();
  for (const set of sets) {
    for (const [id, fn] of Object.entries(set)) {
      if (!FIGURE_ID.test(id)) throw new Error(`invalid figure id "${id}" (use [a-z0-9_.-])`);
      if (registry.has(id)) throw new Error(`figure id "${id}" is registered twice`);
      registry.set(id, fn);
    }
  }
  return registry;
}

/** Valid figure ids: lower case, digits, `_ . -`; by convention `<experiment>.<name>`. */
export const FIGURE_ID = /^[a-z0-9][a-z0-9_.-]*$/;
const OPEN = /<!--\s*fig:([^\s>]*)\s*-->/g;
const CLOSE = "<!-- /fig -->";

/** One marked region of an ADR. */
export interface FigureRegion {
  /** The figure id. */
  id: string;
  /** The text currently between the markers. */
  text: string;
  /** 1-based line of the opening marker. */
  line: number;
  /** Offsets of the text between the markers. */
  start: number;
  end: number;
}

/** Something wrong with an ADR; `checkAdr` returns a list of these. */
export interface AdrProblem {
  /** The ADR file. */
  file: string;
  /** 1-based line. */
  line: number;
  /**
   * stale: text differs from data; unknown: no such figure; error: the figure threw;
   * malformed: markers do not pair up; missing_link: a linked data/notebook file is absent;
   * residue: template text never rendered; unmarked_number: a measured-looking number typed
   * outside a figure marker (see adr_lint.ts).
   */
  kind:
    | "stale"
    | "unknown"
    | "error"
    | "malformed"
    | "missing_link"
    | "residue"
    | "unmarked_number";
  /** The figure id or the link target. */
  id: string;
  /** One line for humans. */
  message: string;
}

/** 1-based line number of an offset. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

/**
 * Finds the marked regions of a markdown text. Markers that do not pair up (an opening marker
 * without a close before the next opening one, a stray close) are returned as problems.
 */
export function findFigures(
  markdown: string,
  file = "ADR",
): { regions: FigureRegion[]; problems: AdrProblem[] } {
  const regions: FigureRegion[] = [];
  const problems: AdrProblem[] = [];
  const opens = [...markdown.matchAll(OPEN)];
  let consumed = 0;
  opens.forEach((m, i) => {
    const id = m[1];
    const start = m.index! + m[0].length;
    const next = opens[i + 1]?.index ?? markdown.length;
    const close = markdown.indexOf(CLOSE, start);
    const line = lineAt(markdown, m.index!);
    if (close < 0 || close > next) {
      problems.push({ file, line, kind: "malformed", id, message: `"${id}" is not closed` });
      return;
    }
    if (!FIGURE_ID.test(id)) {
      problems.push({ file, line, kind: "malformed", id, message: `invalid figure id "${id}"` });
      return;
    }
    if (markdown.slice(consumed, m.index!).includes(CLOSE)) {
      const stray = markdown.indexOf(CLOSE, consumed);
      problems.push({
        file,
        line: lineAt(markdown, stray),
        kind: "malformed",
        id: "",
        message: "a closing marker without an opening one",
      });
    }
    regions.push({ id, text: markdown.slice(start, close), line, start, end: close });
    consumed = close + CLOSE.length;
  });
  return { regions, problems };
}

/**
 * A {@link FigureData} reading `dir` (each file once, verified against its manifest);
 * `onRead` learns every file a figure reads (so the check can tell what data it rests on).
 */
export function figureData(dir = DATA_DIR, onRead: (file: string) => void = () => {}): FigureData {
  const cache = new Map<string, Promise<ResultRow[]>>();
  let manifest: Promise<Manifest> | undefined;
  return {
    rows(file) {
      onRead(file);
      if (!cache.has(file)) cache.set(file, readTable(dir, file));
      return cache.get(file)!;
    },
    manifest: () => manifest ??= readManifest(dir),
  };
}

/** Options of {@link renderAdr}, {@link updateAdr} and {@link checkAdr}. */
export interface AdrOptions {
  /** The registered figures (see lib/experiments/figures.ts). */
  figures: Map<string, FigureFn>;
  /** Folder of the result CSVs (default: the repository's data/). */
  dataDir?: string;
  /** Repository root that data/ and notebooks/ links are checked against (for tests). */
  root?: string;
  /**
   * Says why a table's rows were measured by code that has changed since, or `undefined` when
   * they were not (see `outdatedCheck` in lib/results/fingerprint.ts, which tells comment and
   * type-only edits from code changes): figures resting on such tables are reported as outdated
   * (a warning).
   */
  outdated?: (origin: CodeOrigin) => Promise<string | undefined>;
}

/** A figure whose data was measured by other code than its experiment's current code. */
export interface Outdated {
  file: string;
  line: number;
  id: string;
  message: string;
}

/**
 * Computes every figure of a markdown text. Returns the text with each known region rewritten
 * (unknown or failing regions are left as they are) and the problems found, stale ones
 * included (a region whose text changed).
 */
export async function renderAdr(
  markdown: string,
  options: AdrOptions,
  file = "ADR",
): Promise<{ text: string; problems: AdrProblem[]; outdated: Outdated[] }> {
  const { regions, problems } = findFigures(markdown, file);
  let reads: Set<string> = new Set();
  const data = figureData(options.dataDir, (f) => reads.add(f));
  const judge = options.outdated;
  const manifest = judge ? await data.manifest() : undefined;
  // Judged all at once up front: each experiment's graph and git read happen in parallel.
  const judged = new Map(
    await Promise.all(
      Object.entries(manifest?.tables ?? {}).map(async ([f, e]) => [f, await judge!(e)] as const),
    ),
  );
  const outdated: Outdated[] = [];
  let text = "";
  let at = 0;
  for (const r of regions) {
    reads = new Set();
    text += markdown.slice(at, r.start);
    at = r.end;
    const fn = options.figures.get(r.id);
    if (!fn) {
      problems.push({
        ...where(file, r),
        kind: "unknown",
        message: `no figure "${r.id}" is registered`,
      });
      text += r.text;
      continue;
    }
    let value: string;
    try {
      value = figureText(await fn(data));
      // A block figure (a table) opens and closes on its own lines; any other is one line.
      const block = value.startsWith("\n") && value.endsWith("\n");
      if (value.includes("<!--") || (!block && value.includes("\n"))) {
        throw new Error(
          "figure text must be one line, or a block that starts and ends with a newline, " +
            "without HTML comments",
        );
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      problems.push({ ...where(file, r), kind: "error", message: `figure "${r.id}": ${why}` });
      text += r.text;
      continue;
    }
    if (value !== r.text) {
      problems.push({
        ...where(file, r),
        kind: "stale",
        message: `"${r.id}" says ${JSON.stringify(r.text)}, data says ${JSON.stringify(value)}`,
      });
    }
    for (const f of reads) {
      const table = f.endsWith(".csv") ? f : `${f}.csv`;
      const why = judged.get(table);
      if (why) {
        outdated.push({
          ...where(file, r),
          message: `"${r.id}" rests on ${f}, ${why}: re-run ./denow task run ${
            manifest!.tables[table].experiment
          }`,
        });
      }
    }
    text += value;
  }
  text += markdown.slice(at);
  problems.push(...templateResidue(markdown, file), ...unmarkedNumbers(markdown, file));
  return { text, problems, outdated };
}

/** The location fields of a problem about a region. */
function where(file: string, r: FigureRegion): { file: string; line: number; id: string } {
  return { file, line: r.line, id: r.id };
}

const LINK = /\]\(([^)\s]+)\)/g;

/**
 * Relative links of an ADR to files under data/ or notebooks/ whose target does not exist.
 * (Links elsewhere, e.g. to the generated report/, are not checked.)
 */
export async function missingLinks(
  markdown: string,
  file: string,
  root = REPO_ROOT,
): Promise<AdrProblem[]> {
  const problems: AdrProblem[] = [];
  for (const m of markdown.matchAll(LINK)) {
    const target = m[1].replace(/#.*$/, "");
    if (/^[a-z]+:/i.test(target) || target === "") continue;
    const path = resolve(dirname(file), target);
    const rel = path.slice(root.length + 1);
    if (!path.startsWith(root + "/") || !/^(data|notebooks)\//.test(rel)) continue;
    if (!(await Deno.stat(path).then((s) => s.isFile, () => false))) {
      problems.push({
        file,
        line: lineAt(markdown, m.index!),
        kind: "missing_link",
        id: target,
        message: `links to ${rel}, which does not exist`,
      });
    }
  }
  return problems;
}

/** The ADR files (`adr/*.md`, sorted). */
export async function listAdrs(dir = ADR_DIR): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name.endsWith(".md")) files.push(join(dir, e.name));
  }
  return files.sort();
}

/**
 * The record as `deno fmt` (with the workspace's configuration) would leave it: a figure whose
 * text changed length re-pads the hand-written table around it, so a regenerated record is
 * always formatted.
 */
async function formatMarkdown(text: string, file: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    // The workspace's settings wherever the file lives (tests write records to temp dirs).
    args: ["fmt", `--config=${join(REPO_ROOT, "deno.json")}`, "--ext=md", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`deno fmt failed on ${file}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * Rewrites every marked region of the ADR files from data, all or nothing: when any figure is
 * unknown or fails, a marker is malformed or a link is missing, no file is written and the
 * problems are returned; otherwise each changed file is replaced atomically.
 */
export async function updateAdr(
  options: AdrOptions,
  files?: string[],
): Promise<{ changed: string[]; problems: AdrProblem[] }> {
  const problems: AdrProblem[] = [];
  const rewrites: { file: string; text: string }[] = [];
  for (const file of files ?? await listAdrs()) {
    const markdown = await Deno.readTextFile(file);
    const rendered = await renderAdr(markdown, options, file);
    problems.push(...rendered.problems.filter((p) => p.kind !== "stale"));
    problems.push(...await missingLinks(rendered.text, file, options.root));
    const text = await formatMarkdown(rendered.text, file);
    if (text !== markdown) rewrites.push({ file, text });
  }
  if (problems.length > 0) return { changed: [], problems };
  for (const { file, text } of rewrites) {
    const tmp = `${file}.${Deno.pid}.tmp`;
    await Deno.writeTextFile(tmp, text);
    await Deno.rename(tmp, file);
  }
  return { changed: rewrites.map((r) => r.file), problems };
}

/**
 * Checks the ADR files against data without writing: stale and unknown figure ids, failing
 * figures, malformed markers and missing data/notebook links. An empty list means the ADR's
 * numbers are exactly what the data says. An ADR without figures passes trivially.
 */
export async function checkAdr(options: AdrOptions, files?: string[]): Promise<AdrProblem[]> {
  return (await checkAdrFull(options, files)).problems;
}

/**
 * {@link checkAdr} with the warnings: figures whose data came from older code of their
 * experiment (when `options.outdated` is given).
 */
export async function checkAdrFull(
  options: AdrOptions,
  files?: string[],
): Promise<{ problems: AdrProblem[]; outdated: Outdated[] }> {
  const problems: AdrProblem[] = [];
  const outdated: Outdated[] = [];
  for (const file of files ?? await listAdrs()) {
    const markdown = await Deno.readTextFile(file);
    const rendered = await renderAdr(markdown, options, file);
    problems.push(...rendered.problems);
    outdated.push(...rendered.outdated);
    problems.push(...await missingLinks(markdown, file, options.root));
  }
  return { problems, outdated };
}

/** Formats a problem as `adr/0001-….md:42: stale: …`. */
export function describeProblem(p: AdrProblem): string {
  const rel = p.file.startsWith(REPO_ROOT) ? p.file.slice(REPO_ROOT.length + 1) : p.file;
  return `${rel}:${p.line}: ${p.kind}: ${p.message}`;
}
