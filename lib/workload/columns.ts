/**
 * Cheap conversions of generated rows into bulk-load shapes: column arrays (for columnar
 * inserts such as ClickHouse) and CSV text (for PostgreSQL `COPY ... (FORMAT csv)`, MariaDB
 * `LOAD DATA`, etc.). Hand-written rather than d3-dsv because these run over millions of rows
 * and only need RFC 4180 quoting. Engine-specific loaders live with the engines.
 *
 * @module
 */

/** Per-column value formatters, e.g. `{ ts: (v) => new Date(v as number).toISOString() }`. */
export type ColumnFormat<T> = { [K in keyof T]?: (value: T[K]) => string | number };

/** Options of {@link toCsv} and {@link csvChunks}. */
export interface CsvOptions<T> {
  /** Emit a header line first (default true). */
  header?: boolean;
  /** Field delimiter, one character (default ","). */
  delimiter?: string;
  /** Per-column formatters applied before quoting. */
  format?: ColumnFormat<T>;
}

/**
 * Collects rows into one array per column (`{ id: [1, 2], name: ["a", "b"] }`), in the
 * order given by `columns`.
 */
export function toColumns<T extends object, K extends keyof T & string>(
  rows: Iterable<T>,
  columns: readonly K[],
): { [P in K]: T[P][] } {
  const out = {} as { [P in K]: T[P][] };
  for (const c of columns) out[c] = [];
  for (const row of rows) for (const c of columns) out[c].push(row[c]);
  return out;
}

function quoteIfNeeded(s: string, delimiter: string): string {
  if (
    s.includes(delimiter) || s.includes('"') || s.includes("\n") || s.includes("\r")
  ) return '"' + s.replaceAll('"', '""') + '"';
  return s;
}

function makeLineFormatter<T extends object>(
  columns: readonly (keyof T & string)[],
  opts: CsvOptions<T>,
): (row: T) => string {
  const delimiter = opts.delimiter ?? ",";
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") {
    throw new Error(
      `csv: delimiter must be one character other than quote/newline, got "${delimiter}"`,
    );
  }
  const needsQuote = new RegExp(`["\\n\\r${delimiter.replace(/[\\^\]-]/g, "\\$&")}]`);
  const format = (opts.format ?? {}) as Record<
    string,
    ((v: unknown) => string | number) | undefined
  >;
  const formatters = columns.map((c) => format[c]);
  const n = columns.length;
  // Hot path: numbers never need quoting; strings are tested with one precompiled regex.
  const field = (raw: unknown): string => {
    if (typeof raw === "number") return String(raw);
    if (raw === null || raw === undefined) return "";
    const s = typeof raw === "string" ? raw : String(raw);
    return needsQuote.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
  };
  return (row: T): string => {
    const r = row as Record<string, unknown>;
    const f0 = formatters[0];
    let line = field(f0 ? f0(r[columns[0]]) : r[columns[0]]);
    for (let i = 1; i < n; i++) {
      const f = formatters[i];
      line += delimiter + field(f ? f(r[columns[i]]) : r[columns[i]]);
    }
    return line + "\n";
  };
}

/** CSV text of all rows (header first unless `header: false`), each line ending in "\n". */
export function toCsv<T extends object>(
  rows: Iterable<T>,
  columns: readonly (keyof T & string)[],
  opts: CsvOptions<T> = {},
): string {
  const parts: string[] = [];
  for (const chunk of csvChunks(rows, columns, { ...opts, chunkRows: 10_000 })) parts.push(chunk);
  return parts.join("");
}

/**
 * CSV text in chunks of `chunkRows` rows (default 10 000), for streaming large tables into
 * a loader without building one huge string. The header, if any, starts the first chunk.
 */
export function* csvChunks<T extends object>(
  rows: Iterable<T>,
  columns: readonly (keyof T & string)[],
  opts: CsvOptions<T> & { chunkRows?: number } = {},
): Generator<string> {
  const chunkRows = opts.chunkRows ?? 10_000;
  if (!Number.isInteger(chunkRows) || chunkRows < 1) {
    throw new Error(`csvChunks: chunkRows must be a positive integer, got ${chunkRows}`);
  }
  const line = makeLineFormatter(columns, opts);
  const delimiter = opts.delimiter ?? ",";
  let buf = opts.header === false
    ? ""
    : columns.map((c) => quoteIfNeeded(c, delimiter)).join(delimiter) + "\n";
  let n = 0;
  for (const row of rows) {
    buf += line(row);
    if (++n === chunkRows) {
      yield buf;
      buf = "";
      n = 0;
    }
  }
  if (buf.length > 0) yield buf;
}
