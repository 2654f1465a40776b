/**
 * Answer equality across engines: the same query on the same data must give the same result
 * set, whichever engine ran it. Judged afterwards on plain values (never on a database), with
 * a numeric tolerance because engines sum and average floats in different orders. A mismatch
 * is a verdict with examples to read, never a thrown error, so an experiment can record it as
 * a result and carry on.
 *
 * The tolerance is for floats only: two integers (counts, cents, ids) compare exactly. Integer
 * arithmetic has no rounding to forgive, and a relative tolerance at the size of a revenue
 * total hides exactly the off-by-one a lost or doubled row produces (1000000000 and
 * 1000000001 are within 1e-9). Deciding by value rather than by a declared column type needs
 * nothing from callers and errs the safe way: a float that is integral in both engines and
 * still differs is reported, never hidden. Beyond 2^53, where a double no longer holds every
 * integer, the tolerance applies again.
 *
 * @module
 */

/** One value of a result row, normalised by the engine's adapter (dates as ISO strings). */
export type Cell = string | number | null;

/** A result set in canonical form: named columns and rows of cells. */
export interface Answer {
  /** Column names, the same for every engine answering the query. */
  columns: readonly string[];
  /** Rows; their order only matters when the comparison is `ordered`. */
  rows: readonly (readonly Cell[])[];
}

/** How to compare two answers. */
export interface CompareOptions {
  /** Row order is part of the answer (top-N lists); default false (sets of rows). */
  ordered?: boolean;
  /**
   * Relative tolerance for numbers that are not both safe integers; default 1e-9 (float sums
   * in another order). Integers always compare exactly.
   */
  relTol?: number;
  /** Absolute tolerance, likewise for non-integers only; default 1e-6. */
  absTol?: number;
  /** How many differing rows to describe; default 3. */
  maxExamples?: number;
}

/** The verdict: equal or not, how many rows differ, and a few examples in words. */
export interface AnswerVerdict {
  /** True when columns, row count and every cell agree (floats within tolerance). */
  equal: boolean;
  /** Rows in the reference answer. */
  referenceRows: number;
  /** Rows in the candidate answer. */
  candidateRows: number;
  /**
   * Rows that differ. Unordered: the fewest rows to add, remove or change to turn the
   * candidate into the reference (the larger of `missingRows` and `extraRows`), so one lost
   * row is one. Ordered: positions whose rows differ, plus the row-count gap (in a top-N list
   * every row after a lost one is out of place, and that is the answer's fault).
   */
  mismatchedRows: number;
  /** Reference rows with no equal row left in the candidate (as multisets, either mode). */
  missingRows: number;
  /** Candidate rows with no equal row left in the reference. */
  extraRows: number;
  /** Short descriptions of the first differences. */
  examples: string[];
}

/**
 * True when two cells agree: same type, strings exactly, two safe integers exactly, other
 * numbers within tolerance (see the module comment for why integers get none).
 */
export function cellsEqual(a: Cell, b: Cell, relTol = 1e-9, absTol = 1e-6): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return a === b;
    return Math.abs(a - b) <= absTol + relTol * Math.max(Math.abs(a), Math.abs(b));
  }
  return typeof a === typeof b && a === b;
}

function compareCells(a: Cell, b: Cell): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1; // numbers before strings: any fixed order will do
  if (typeof b === "number") return 1;
  return a < b ? -1 : 1;
}

function compareRows(x: readonly Cell[], y: readonly Cell[]): number {
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const c = compareCells(x[i] ?? null, y[i] ?? null);
    if (c !== 0) return c;
  }
  return 0;
}

/** Sorts rows by every column in turn, so two sets of rows line up for comparison. */
export function canonicalOrder(rows: readonly (readonly Cell[])[]): (readonly Cell[])[] {
  return [...rows].sort(compareRows);
}

const show = (row: readonly Cell[] | undefined) =>
  row === undefined ? "(none)" : JSON.stringify(row);

type Row = readonly Cell[];

/** A row of one answer with no equal row left in the other. */
interface Unmatched {
  side: "missing" | "extra";
  row: Row;
}

/**
 * The multiset difference of two answers by a merge of their canonical orders: equal rows
 * pair off, and what is left is missing from the candidate or extra in it, in canonical
 * order. Rows equal only within tolerance pair off when the order puts them side by side,
 * which holds when the columns before any float are exact (keys first, as queries are
 * written); otherwise they show as one missing and one extra row, a false alarm rather than a
 * hidden difference.
 */
function unmatchedRows(
  reference: readonly Row[],
  candidate: readonly Row[],
  same: (r: Row, g: Row) => boolean,
): Unmatched[] {
  const ref = canonicalOrder(reference);
  const got = canonicalOrder(candidate);
  const out: Unmatched[] = [];
  let i = 0, j = 0;
  while (i < ref.length && j < got.length) {
    if (same(ref[i], got[j])) {
      i++;
      j++;
    } else if (compareRows(ref[i], got[j]) <= 0) out.push({ side: "missing", row: ref[i++] });
    else out.push({ side: "extra", row: got[j++] });
  }
  while (i < ref.length) out.push({ side: "missing", row: ref[i++] });
  while (j < got.length) out.push({ side: "extra", row: got[j++] });
  return out;
}

/**
 * Words for unmatched rows. A missing and an extra row next to each other in canonical order
 * with the same first cell (the key, in queries written keys first) read as one changed row;
 * `pairs: false` leaves those out (ordered comparisons show them by position instead).
 */
function describeUnmatched(
  rows: readonly Unmatched[],
  pairs: boolean,
  same: (a: Cell, b: Cell) => boolean,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const u = rows[i];
    const next = rows[i + 1];
    if (next && next.side !== u.side && u.row.length > 0 && same(u.row[0], next.row[0] ?? null)) {
      const [m, e] = u.side === "missing" ? [u, next] : [next, u];
      if (pairs) out.push(`row differs: expected ${show(m.row)}, got ${show(e.row)}`);
      i++;
    } else if (u.side === "missing") out.push(`missing row: expected ${show(u.row)}`);
    else out.push(`extra row: got ${show(u.row)}`);
  }
  return out;
}

/**
 * Compares a candidate answer with a reference answer. Unordered answers are compared as
 * multisets of rows, by a merge of their canonical orders, so a lost row is reported as that
 * one row rather than as every row after it. Ordered answers are compared position by
 * position, and their missing and extra rows are named as well.
 */
export function compareAnswers(
  reference: Answer,
  candidate: Answer,
  options: CompareOptions = {},
): AnswerVerdict {
  const { ordered = false, relTol = 1e-9, absTol = 1e-6, maxExamples = 3 } = options;
  const cellSame = (a: Cell, b: Cell) => cellsEqual(a, b, relTol, absTol);
  const rowSame = (r: Row, g: Row) => r.length === g.length && r.every((c, k) => cellSame(c, g[k]));
  const examples: string[] = [];
  const note = (text: string) => {
    if (examples.length < maxExamples) examples.push(text);
  };
  const verdict = (
    mismatchedRows: number,
    missingRows: number,
    extraRows: number,
    columnsAgree = true,
  ): AnswerVerdict => ({
    // Not "no examples": maxExamples may be 0.
    equal: columnsAgree && mismatchedRows === 0 && missingRows === 0 && extraRows === 0,
    referenceRows: reference.rows.length,
    candidateRows: candidate.rows.length,
    mismatchedRows,
    missingRows,
    extraRows,
    examples,
  });
  if (reference.columns.join("\u0000") !== candidate.columns.join("\u0000")) {
    note(
      `columns differ: expected ${JSON.stringify(reference.columns)}, got ${
        JSON.stringify(candidate.columns)
      }`,
    );
    const [n, m] = [reference.rows.length, candidate.rows.length];
    return verdict(Math.max(n, m), n, m, false);
  }
  const ref = reference.rows;
  const got = candidate.rows;
  if (ref.length !== got.length) {
    note(`row count differs: expected ${ref.length}, got ${got.length}`);
  }
  const unmatched = unmatchedRows(ref, got, rowSame);
  const missing = unmatched.filter((u) => u.side === "missing").length;
  const extra = unmatched.length - missing;
  for (const text of describeUnmatched(unmatched, !ordered, cellSame)) note(text);
  if (!ordered) return verdict(Math.max(missing, extra), missing, extra);
  let mismatched = Math.abs(ref.length - got.length);
  for (let i = 0; i < Math.min(ref.length, got.length); i++) {
    if (rowSame(ref[i], got[i])) continue;
    mismatched++;
    note(`row ${i + 1}: expected ${show(ref[i])}, got ${show(got[i])}`);
  }
  return verdict(mismatched, missing, extra);
}
