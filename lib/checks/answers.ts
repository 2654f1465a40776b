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
  /** Rows that differ (after sorting, when unordered); the row-count gap counts too. */
  mismatchedRows: number;
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

/** Sorts rows by every column in turn, so two sets of rows line up for comparison. */
export function canonicalOrder(rows: readonly (readonly Cell[])[]): (readonly Cell[])[] {
  return [...rows].sort((x, y) => {
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const c = compareCells(x[i] ?? null, y[i] ?? null);
      if (c !== 0) return c;
    }
    return 0;
  });
}

const show = (row: readonly Cell[] | undefined) =>
  row === undefined ? "(none)" : JSON.stringify(row);

/**
 * Compares a candidate answer with a reference answer. Unordered answers are sorted by all
 * columns first (key columns come first, so rows line up by key); ordered answers are
 * compared position by position.
 */
export function compareAnswers(
  reference: Answer,
  candidate: Answer,
  options: CompareOptions = {},
): AnswerVerdict {
  const { ordered = false, relTol = 1e-9, absTol = 1e-6, maxExamples = 3 } = options;
  const examples: string[] = [];
  const verdict = (mismatchedRows: number): AnswerVerdict => ({
    equal: mismatchedRows === 0 && examples.length === 0,
    referenceRows: reference.rows.length,
    candidateRows: candidate.rows.length,
    mismatchedRows,
    examples,
  });
  if (reference.columns.join("\u0000") !== candidate.columns.join("\u0000")) {
    examples.push(
      `columns differ: expected ${JSON.stringify(reference.columns)}, got ${
        JSON.stringify(candidate.columns)
      }`,
    );
    return verdict(Math.max(reference.rows.length, candidate.rows.length));
  }
  const ref = ordered ? reference.rows : canonicalOrder(reference.rows);
  const got = ordered ? candidate.rows : canonicalOrder(candidate.rows);
  if (ref.length !== got.length) {
    examples.push(`row count differs: expected ${ref.length}, got ${got.length}`);
  }
  let mismatched = Math.abs(ref.length - got.length);
  for (let i = 0; i < Math.min(ref.length, got.length); i++) {
    const r = ref[i];
    const g = got[i];
    const same = r.length === g.length && r.every((c, k) => cellsEqual(c, g[k], relTol, absTol));
    if (same) continue;
    mismatched++;
    if (examples.length < maxExamples) {
      examples.push(`row ${i + 1}: expected ${show(r)}, got ${show(g)}`);
    }
  }
  return verdict(mismatched);
}
