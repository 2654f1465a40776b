/**
 * The record's cross-cutting tables, each one figure rendered as a Markdown table: the
 * performance requirements against what was measured (`record.slo_table`) and the CAP choice
 * per data domain with the behaviour the fault experiments measured (`record.cap_table`).
 * A cell whose experiment has no committed table says "pending" and names the table, so a
 * missing experiment shows as missing, never as invented text.
 *
 * @module
 */

import {
  type FigureData,
  type FigureSet,
  formatNumber,
  formatPercent,
  markdownTable,
} from "../../results/figure.ts";
import { REQUIREMENTS } from "../cited.ts";

/** A measured cell: a number with its text, or undefined when the data says nothing. */
export interface Measured {
  value: number;
  text: string;
}

/** One requirement row: the target (lib/report/cited.ts) and how the data meets it. */
export interface SloRow {
  /** What is required, for people. */
  what: string;
  /** Its id in REQUIREMENTS. */
  requirement: string;
  /** The committed table the measurement comes from. */
  table: string;
  /** The measured value (in the requirement's unit), from the committed rows. */
  measured(d: FigureData): Promise<Measured>;
  /** `max`: the measured value must stay at or below the target; `min`: at or above. */
  bound: "max" | "min";
  /** The notebook that explains the number (its file name without extension). */
  notebook: string;
}

/** One data domain: its CAP choice and the measured behaviour under faults. */
export interface CapRow {
  domain: string;
  choice: string;
  store: string;
  /** Measured behaviour cells, each from a committed table. */
  behaviour: readonly { table: string; text(d: FigureData): Promise<string> }[];
}

async function hasTable(d: FigureData, table: string): Promise<boolean> {
  return table in (await d.manifest()).tables;
}

/** The measured cell of a row, or "pending" naming the table that is not committed yet. */
export async function measuredCell(
  d: FigureData,
  table: string,
  compute: () => Promise<string>,
): Promise<string> {
  return await hasTable(d, table) ? await compute() : `pending (no committed ${table})`;
}

/** Headroom of a measured value against a target, as the table states it. */
export function headroom(value: number, target: number, bound: "max" | "min"): string {
  if (bound === "min") {
    return value >= target ? "met" : `misses (${formatNumber(value, { decimals: 2 })})`;
  }
  if (value > target) return `misses by ${formatPercent(value / target - 1)}`;
  if (value === 0) return "met (none)";
  const ratio = target / value;
  return ratio >= 2
    ? `${formatNumber(ratio, { decimals: 1 })}× below the limit`
    : `${formatPercent(1 - value / target)} below the limit`;
}

/** A link from the record (adr/) to a notebook. */
const link = (notebook: string) => `[${notebook.slice(0, 2)}](../notebooks/${notebook}.ipynb)`;

/** The requirements table from its rows. */
export async function sloTable(d: FigureData, rows: readonly SloRow[]): Promise<string> {
  const cells: string[][] = [];
  for (const r of rows) {
    const target = REQUIREMENTS[r.requirement];
    if (!target) throw new Error(`requirement "${r.requirement}" is not in lib/report/cited.ts`);
    const limit = `${r.bound === "max" ? "≤" : "≥"} ${
      formatNumber(target.value, {
        unit: target.unit || undefined,
        decimals: Number.isInteger(target.value) ? 0 : undefined,
      })
    }`;
    if (!(await hasTable(d, r.table))) {
      cells.push([r.what, limit, `pending (no committed ${r.table})`, "–", link(r.notebook)]);
      continue;
    }
    const m = await r.measured(d);
    cells.push([r.what, limit, m.text, headroom(m.value, target.value, r.bound), link(r.notebook)]);
  }
  return "\n\n" +
    markdownTable(["requirement", "target", "measured", "headroom", "evidence"], cells) + "\n\n";
}

/** The CAP-per-domain table from its rows. */
export async function capTable(d: FigureData, rows: readonly CapRow[]): Promise<string> {
  const cells: string[][] = [];
  for (const r of rows) {
    const parts: string[] = [];
    for (const b of r.behaviour) parts.push(await measuredCell(d, b.table, () => b.text(d)));
    cells.push([r.domain, r.choice, r.store, parts.join("; ")]);
  }
  return "\n\n" + markdownTable(["data domain", "CAP choice", "store", "measured"], cells) + "\n\n";
}

/** Builds the record's figure set from the rows the registry assembles. */
export function recordFigures(slo: readonly SloRow[], cap: readonly CapRow[]): FigureSet {
  return {
    "record.slo_table": (d) => sloTable(d, slo),
    "record.cap_table": (d) => capTable(d, cap),
  };
}
