/**
 * The one writer and the one reader of result CSV files (d3-dsv for RFC 4180 formatting
 * and parsing). Writes are atomic: rows are validated first, then written to a temporary
 * file in the same directory, fsynced and renamed over the target, so a crash or a bad row
 * never leaves a partial file in `data/`. The reader validates the schema and names the
 * file, the row and the problem in one line.
 *
 * @module
 */

import { csvFormatRows, csvParseRows } from "d3-dsv";
import { basename, dirname, join } from "node:path";
import {
  columnsOf,
  FIXED_COLUMNS,
  IDENTITY_COLUMNS,
  MEASURE_COLUMNS,
  NUMERIC_COLUMNS,
  OPTIONAL_COLUMNS,
  PROVENANCE_COLUMNS,
  type ResultRow,
  rowProblem,
} from "./schema.ts";

function cell(v: unknown): string {
  return v === undefined || v === null ? "" : String(v);
}

/**
 * Validates rows and formats them as CSV text (header + one line per row). Throws one line
 * naming the first bad row; `source` prefixes the message (e.g. the target path).
 */
export function formatResults(rows: readonly ResultRow[], source = "formatResults"): string {
  if (rows.length === 0) throw new Error(`${source}: no rows to write`);
  rows.forEach((row, i) => {
    const problem = rowProblem(row);
    if (problem) {
      throw new Error(`${source}: row ${i + 1} (metric ${cell(row?.metric)}): ${problem}`);
    }
  });
  const columns = columnsOf(rows);
  return csvFormatRows([columns, ...rows.map((r) => columns.map((c) => cell(r[c])))]) + "\n";
}

/**
 * Writes `rows` to `path` atomically (temp file in the same directory, fsync, rename; the
 * directory is created if needed). If any row is invalid nothing is written and the error
 * says which row and why.
 */
export async function writeResults(path: string, rows: readonly ResultRow[]): Promise<void> {
  const text = formatResults(rows, `writeResults(${path})`);
  await Deno.mkdir(dirname(path), { recursive: true });
  await writeAtomic(path, new TextEncoder().encode(text));
}

/**
 * Writes bytes to `path` atomically: a temp file in the same directory, fsync, rename, then an
 * fsync of the directory so the rename itself is durable. A crash leaves the old file or the
 * new one, never a partial one.
 */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  try {
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.sync();
    } finally {
      d.close();
    }
  } catch {
    // directories cannot be fsynced on every platform; the rename is still atomic
  }
}

const REQUIRED: readonly string[] = FIXED_COLUMNS.filter((c) => !OPTIONAL_COLUMNS.includes(c));
const NON_EMPTY = ["experiment", "engine", "scale", "metric"];

/**
 * Parses and validates result CSV text; `source` (the file name) starts every error
 * message. Numeric columns become numbers, `git_dirty` a boolean, dimensions stay strings.
 */
export function parseResults(text: string, source: string): ResultRow[] {
  const table: string[][] = csvParseRows(text.replace(/^\uFEFF/, ""));
  while (table.length > 0 && table[table.length - 1].every((c) => c === "")) table.pop();
  if (table.length === 0) throw new Error(`${source}: empty file, expected a header line`);
  const header = table[0];
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new Error(`${source}: duplicate column "${h}" in header`);
    seen.add(h);
  }
  const missing = REQUIRED.filter((c) => !seen.has(c));
  if (missing.length > 0) {
    throw new Error(
      `${source}: not a results file: header lacks ${missing.map((c) => `"${c}"`).join(", ")}`,
    );
  }
  const out: ResultRow[] = [];
  for (let i = 1; i < table.length; i++) {
    const fields = table[i];
    const where = `${source}: row ${i} (line ${i + 1})`;
    if (fields.length !== header.length) {
      throw new Error(`${where}: has ${fields.length} fields, header has ${header.length}`);
    }
    const row: Record<string, unknown> = {};
    header.forEach((h, k) => (row[h] = fields[k]));
    for (const c of NON_EMPTY) if (row[c] === "") throw new Error(`${where}: "${c}" is empty`);
    for (const c of NUMERIC_COLUMNS) {
      const s = (row[c] as string).trim();
      const n = s === "" ? NaN : Number(s);
      if (!Number.isFinite(n)) {
        throw new Error(`${where}: "${c}" must be a finite number, got ${JSON.stringify(row[c])}`);
      }
      row[c] = n;
    }
    if (!Number.isInteger(row.repetition) || (row.repetition as number) < 0) {
      throw new Error(`${where}: "repetition" must be an integer >= 0, got ${row.repetition}`);
    }
    if (!Number.isInteger(row.seed)) {
      throw new Error(`${where}: "seed" must be an integer, got ${row.seed}`);
    }
    if (row.git_dirty !== "true" && row.git_dirty !== "false") {
      throw new Error(
        `${where}: "git_dirty" must be true or false, got ${JSON.stringify(row.git_dirty)}`,
      );
    }
    row.git_dirty = row.git_dirty === "true";
    row.code_fingerprint ??= "";
    out.push(row as ResultRow);
  }
  return out;
}

/**
 * Reads and validates a results CSV file. Throws one line naming the file, the row and the
 * problem (unreadable file, missing columns, non-numeric value, non-integer repetition, …).
 */
export async function readResults(path: string): Promise<ResultRow[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(`${path}: cannot read results file: ${(err as Error).message}`);
  }
  return parseResults(text, path);
}

/** The fixed column groups, re-exported for readers that order or select columns. */
export const COLUMN_GROUPS = {
  identity: IDENTITY_COLUMNS,
  measure: MEASURE_COLUMNS,
  provenance: PROVENANCE_COLUMNS,
} as const;
