/**
 * Integrity of the decision record beyond its figure markers: no template residue (text that
 * was meant to be computed and never was), and no measured-looking number typed outside a
 * figure marker — a number with a unit (ms, %, ×, ops/s, MB …) or a decimal, in the record's
 * text. Versions (PostgreSQL 15.20), decision ids (D4), counts of things the experiment was
 * configured with (16 clients, 3 repetitions), powers (10^6) and anything in code spans, link
 * targets, HTML comments or headings are allowed: they are not measurements.
 *
 * @module
 */

import type { AdrProblem } from "./adr.ts";

/** Text that looks like a template someone forgot to render. */
const RESIDUE = /\{F\(|\$\{|\{\{|\}\}/g;

/** A number followed by a unit of measurement, or a decimal number. */
const MEASURED =
  /(?<![\w.^/-])(\d{1,3}(?:[  ]\d{3})+|\d+)(?:[.,]\d+)?\s?(?:%|×|(?:ms|µs|us|ns|s|min|h|ops\/s|tx\/s|queries\/s|writes\/s|rows\/s|MB\/s|MiB\/s|\/s|B|KB|KiB|MB|MiB|GB|GiB|TB|bytes|B\/row)(?![\w]))|(?<![\w.^/-])\d+\.\d+(?![\w.])/g;

/** A decimal that reads as a version: right after a product-like word (PostgreSQL 15.20). */
const VERSION_BEFORE = /(?:[A-Z][\w.+-]*|v|version|kernel|Jepsen)\s*$/;

/** Replace every char of the matches with spaces, keeping offsets and lines. */
function blank(text: string, re: RegExp): string {
  return text.replace(re, (m) => m.replace(/[^\n]/g, " "));
}

/** 1-based line of an offset. */
function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split("\n").length;
}

/**
 * The record's prose with everything that may hold digits legitimately blanked out: front
 * matter, HTML comments, figure regions (markers and their text), fenced and inline code, link
 * targets, headings.
 */
export function proseOnly(markdown: string): string {
  let t = markdown;
  t = blank(t, /^---\n[\s\S]*?\n---\n/); // front matter
  t = blank(t, /<!--\s*fig:[^>]*-->[\s\S]*?<!--\s*\/fig\s*-->/g); // figures
  t = blank(t, /<!--[\s\S]*?-->/g); // comments
  t = blank(t, /```[\s\S]*?```/g); // fenced code
  t = blank(t, /`[^`\n]*`/g); // inline code
  t = blank(t, /\]\([^)\n]*\)/g); // link targets
  t = blank(t, /^#{1,6} .*$/gm); // headings
  return t;
}

/** Template residue anywhere in the record (code spans excepted). */
export function templateResidue(markdown: string, file: string): AdrProblem[] {
  const text = blank(blank(markdown, /```[\s\S]*?```/g), /`[^`\n]*`/g);
  return [...text.matchAll(RESIDUE)].map((m) => ({
    file,
    line: lineAt(text, m.index!),
    kind: "residue" as const,
    id: m[0],
    message: `template text ${
      JSON.stringify(markdown.slice(m.index!, m.index! + 24).split("\n")[0])
    } was never rendered: make it a figure marker`,
  }));
}

/** Measured-looking numbers typed outside figure markers. */
export function unmarkedNumbers(markdown: string, file: string): AdrProblem[] {
  const text = proseOnly(markdown);
  const problems: AdrProblem[] = [];
  for (const m of text.matchAll(MEASURED)) {
    const before = text.slice(Math.max(0, m.index! - 40), m.index!);
    if (/^\d+\.\d+$/.test(m[0]) && VERSION_BEFORE.test(before)) continue;
    problems.push({
      file,
      line: lineAt(text, m.index!),
      kind: "unmarked_number",
      id: m[0].trim(),
      message: `"${m[0].trim()}" looks measured but is not a figure: compute it with a figure ` +
        `marker, or cite it from lib/report/cited.ts`,
    });
  }
  return problems;
}
