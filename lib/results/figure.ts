/**
 * The vocabulary of ADR figures, shared by whoever computes them and whoever writes them into
 * the ADR (a leaf module: it imports nothing of the project but the row type). A figure is a
 * function from the committed data to one short text (a number with its unit, a phrase);
 * numbers are formatted the same way everywhere so that regenerating the ADR changes text only
 * when data changes.
 *
 * @module
 */

import type { Manifest } from "./rundir.ts";
import type { ResultRow } from "./schema.ts";

/** What a figure function gets: cached access to the result CSVs. */
export interface FigureData {
  /**
   * The rows of a results CSV in the data folder, e.g. `rows("oltp_throughput.csv")`
   * (read once per ADR update, validated by lib/results).
   */
  rows(file: string): Promise<ResultRow[]>;
  /** The folder's manifest: which run, scale, seed, commit and code produced each table. */
  manifest(): Promise<Manifest>;
}

/**
 * A figure with the number behind its text: `compare` sets two runs' values side by side and
 * flags a value that left the other run's interval.
 */
export interface FigureValue {
  /** What the ADR shows. */
  text: string;
  /** The number the text states. */
  value: number;
  /** Its 95 % interval, when it has one. */
  low?: number;
  high?: number;
}

/**
 * Computes one figure (a number with its unit, a short phrase) from data: its text, or its
 * text with the number behind it. It should throw when the data it needs is missing or
 * ambiguous rather than guess.
 */
export type FigureFn = (data: FigureData) => string | FigureValue | Promise<string | FigureValue>;

/** The text of a figure's result. */
export function figureText(result: string | FigureValue): string {
  return typeof result === "string" ? result : result.text;
}

/** Figures of one experiment, by id; ids are prefixed with the experiment ("oltp.…"). */
export type FigureSet = Readonly<Record<string, FigureFn>>;

/** Options of {@link formatNumber}. */
export interface NumberFormat {
  /** Decimal places (default: 0 from 100 up, 1 from 10 up, 2 below: three significant digits). */
  decimals?: number;
  /** Unit appended after a space, e.g. "tx/s". */
  unit?: string;
}

/**
 * Formats a number for the ADR the same way every time: thousands grouped with a space
 * ("12 345"), a fixed number of decimals, and the unit. Deterministic (no locale), so that
 * regenerating the ADR changes text only when data changes.
 */
export function formatNumber(value: number, format: NumberFormat = {}): string {
  if (!Number.isFinite(value)) throw new Error(`cannot format ${value} as a figure`);
  const abs = Math.abs(value);
  const decimals = format.decimals ?? (abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
  const [int, frac] = abs.toFixed(decimals).split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  const sign = value < 0 && Number(abs.toFixed(decimals)) !== 0 ? "-" : "";
  const number = `${sign}${grouped}${frac ? `.${frac}` : ""}`;
  return format.unit ? `${number} ${format.unit}` : number;
}

/**
 * Formats a ratio with its 95 % interval ("0.82 (95 % CI 0.34–1.45)"), or the ratio alone when
 * the interval is unknown, so that every ratio in the ADR reads alike.
 */
export function formatRatio(r: { ratio: number; low: number; high: number }): string {
  const f = (v: number) => formatNumber(v, { decimals: 2 });
  return Number.isFinite(r.low) && Number.isFinite(r.high)
    ? `${f(r.ratio)} (95 % CI ${f(r.low)}–${f(r.high)})`
    : f(r.ratio);
}

/** Formats a ratio (0.123) as a percentage ("12.3 %"), decimals as {@link formatNumber}. */
export function formatPercent(ratio: number, decimals = 1): string {
  return formatNumber(ratio * 100, { decimals, unit: "%" });
}

const escapeCell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A Markdown table from a header and rows of cells (a figure that renders as a table). */
export function markdownTable(header: readonly string[], rows: readonly string[][]): string {
  // Columns padded as `deno fmt` pads them, so a formatted record stays equal to its figures.
  const all = [header, ...rows].map((cells) => cells.map(escapeCell));
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => [...(r[i] ?? "")].length)));
  const pad = (s: string, i: number) => s + " ".repeat(width[i] - [...s].length);
  const line = (cells: readonly string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const [head, ...body] = all;
  return [line(head), line(width.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}
