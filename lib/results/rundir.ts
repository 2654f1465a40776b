/**
 * Where results live and how they are trusted. Every run writes into a run directory of its
 * own (`runs/<time>-<experiment>-<scale>-s<seed>-<commit>/`: the CSVs, then a manifest.json
 * written last, so a directory without one is an unfinished run). `data/` holds the committed
 * results and is replaced only by promoting a run — automatically for a complete run at the
 * default scale, seed and repetitions, or on purpose with `./denow task promote <run-dir>`.
 *
 * Both kinds of directory carry the same manifest: per CSV its columns, data rows, SHA-256 and
 * the run that produced it (experiment, scale, seed, repetitions, commit, code fingerprint).
 * Every read checks the file against it, so a truncated file, swapped columns or an edit fail
 * at once with the file and the row, instead of twenty cells later with an unrelated message.
 *
 * @module
 */

import { join } from "node:path";
import { csvFormat, csvParse, csvParseRows } from "d3-dsv";
import { formatResults, parseResults, writeAtomic } from "./csv.ts";
import type { ResultRow } from "./schema.ts";

/** Name of the manifest in a run directory and in data/. */
export const MANIFEST = "manifest.json";

/** What produced a table: the run's parameters and code. */
export interface RunOrigin {
  experiment: string;
  scale: string;
  seed: number;
  repetitions: number;
  /** True when the run used the experiment's full default configuration (no subset). */
  complete: boolean;
  git_commit: string;
  git_dirty: boolean;
  /** Hash of the code the experiment's results depend on (see lib/runs.ts). */
  code_fingerprint: string;
  /** The run directory's name. */
  run: string;
  started_at: string;
  finished_at: string;
  /** The machine's speed when the run started (lib/experiments/overhead/yardstick.ts). */
  yardstick?: Yardstick;
}

/**
 * A short fixed calibration of the machine, taken at the start of a run: figures from two
 * runs compare only after normalising by it.
 */
export interface Yardstick {
  /** `pgbench -S -M prepared -c 4 -j 1` tps on a private PostgreSQL. */
  pgbench_select_tps?: number;
  /** `redis-benchmark -t get -c 4` requests/s on a private Redis. */
  redis_get_rps?: number;
  /** Clients of both. */
  clients: number;
  /** CPU placement of the runner (its affinity), e.g. `cpus 0-1`. */
  placement: string;
  measured_at: string;
  /** Seconds the yardstick took. */
  seconds?: number;
}

/**
 * One operation of a recorded history (Jepsen's habit: operations are plain data), as saved
 * beside the tables so a later run can judge it again: flat fields, strings and numbers.
 * `run` names the configuration it belongs to (the same id its verdict rows carry).
 */
export type HistoryRow = { run: string } & Record<string, string | number | boolean>;

/** One CSV as the manifest records it. */
export interface TableEntry extends RunOrigin {
  /** `history`: a recorded history (plain CSV, see {@link HistoryRow}); default a result table. */
  kind?: "history";
  /** Header columns, in order. */
  columns: string[];
  /** Data rows (header excluded). */
  rows: number;
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
}

/** A directory's manifest: every CSV it holds, by file name. */
export interface Manifest {
  version: 1;
  tables: Record<string, TableEntry>;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads a directory's manifest; an absent one is an empty manifest. */
export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { version: 1, tables: {} };
    throw new Error(`${path}: cannot read: ${(err as Error).message}`);
  }
  try {
    const m = JSON.parse(text) as Manifest;
    if (m.version !== 1 || typeof m.tables !== "object") throw new Error("not a manifest");
    return m;
  } catch (err) {
    throw new Error(`${path}: not a valid manifest (${(err as Error).message})`);
  }
}

async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const sorted = Object.fromEntries(
    Object.entries(manifest.tables).sort(([a], [b]) => a.localeCompare(b)),
  );
  const text = JSON.stringify({ version: 1, tables: sorted }, null, 2) + "\n";
  await writeAtomic(join(dir, MANIFEST), new TextEncoder().encode(text));
}

/** The run directory name for a run's origin fields. */
export function runDirName(o: Pick<RunOrigin, "experiment" | "scale" | "seed" | "git_commit">) {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${stamp}-${o.experiment}-${o.scale}-s${o.seed}-${o.git_commit.slice(0, 7)}`;
}

/**
 * Writes a finished run: every table validated and formatted first (a bad row writes
 * nothing), then each CSV atomically, then the manifest. Returns the run directory.
 */
export async function writeRun(
  runsDir: string,
  origin: Omit<RunOrigin, "run">,
  tables: Record<string, readonly ResultRow[]>,
  histories: Record<string, readonly HistoryRow[]> = {},
): Promise<string> {
  const run = runDirName(origin);
  const dir = join(runsDir, run);
  const files: { file: string; bytes: Uint8Array; rows: number; text: string; kind?: "history" }[] =
    Object.entries(tables).map(([name, rows]) => {
      const text = formatResults(rows, `${name}.csv`);
      return {
        file: `${name}.csv`,
        bytes: new TextEncoder().encode(text),
        rows: rows.length,
        text,
      };
    });
  for (const [name, rows] of Object.entries(histories)) {
    if (rows.length === 0) throw new Error(`${name}.history.csv: no operations to write`);
    const text = csvFormat(rows as object[]) + "\n";
    files.push({
      file: `${name}.history.csv`,
      bytes: new TextEncoder().encode(text),
      rows: rows.length,
      text,
      kind: "history",
    });
  }
  await Deno.mkdir(dir, { recursive: true });
  const manifest: Manifest = { version: 1, tables: {} };
  for (const f of files) {
    await writeAtomic(join(dir, f.file), f.bytes);
    manifest.tables[f.file] = {
      ...origin,
      run,
      ...(f.kind ? { kind: f.kind } : {}),
      columns: csvParseRows(f.text.slice(0, f.text.indexOf("\n")))[0],
      rows: f.rows,
      sha256: await sha256(f.bytes),
    };
  }
  await writeManifest(dir, manifest);
  return dir;
}

/**
 * Checks a CSV's bytes against its manifest entry; returns the problem in one line naming the
 * file (and the row where one can be named), or undefined when it matches.
 */
export async function verifyTable(
  path: string,
  bytes: Uint8Array,
  entry: TableEntry | undefined,
  manifestPath: string,
): Promise<string | undefined> {
  if (!entry) {
    return `${path}: not listed in ${manifestPath}; results enter a directory only by a run or ./denow task promote`;
  }
  const text = new TextDecoder().decode(bytes);
  const firstLine = text.slice(0, Math.max(0, text.indexOf("\n")));
  const header = csvParseRows(firstLine)[0] ?? [];
  for (let i = 0; i < Math.max(header.length, entry.columns.length); i++) {
    if (header[i] !== entry.columns[i]) {
      return `${path}: row 1 (header), column ${i + 1} is ${JSON.stringify(header[i] ?? "")}, ` +
        `${manifestPath} says ${
          JSON.stringify(entry.columns[i] ?? "")
        } (columns edited or swapped)`;
    }
  }
  const rows = csvParseRows(text).filter((r) => !(r.length === 1 && r[0] === "")).length - 1;
  if (rows !== entry.rows) {
    return `${path}: ${rows} data rows, ${manifestPath} says ${entry.rows}: the file ends after row ${
      rows + 1
    } of ${entry.rows + 1} (cut short or edited); restore it with git checkout or re-run`;
  }
  const digest = await sha256(bytes);
  if (digest !== entry.sha256) {
    return `${path}: content differs from ${manifestPath} (sha256 ${digest.slice(0, 12)}… ≠ ${
      entry.sha256.slice(0, 12)
    }…): the file was edited; restore it with git checkout or re-run`;
  }
  return undefined;
}

/** Reads one table of a directory (data/ or a run), verified against its manifest. */
export async function readTable(dir: string, name: string): Promise<ResultRow[]> {
  const file = name.endsWith(".csv") ? name : `${name}.csv`;
  const path = join(dir, file);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`${path}: no such results file; run the experiment (./denow task run …)`);
    }
    throw new Error(`${path}: cannot read: ${(err as Error).message}`);
  }
  const manifest = await readManifest(dir);
  const problem = await verifyTable(path, bytes, manifest.tables[file], join(dir, MANIFEST));
  if (problem) throw new Error(problem);
  return parseResults(new TextDecoder().decode(bytes), path);
}

/**
 * Reads one recorded history of a directory (`<name>.history.csv`), verified against its
 * manifest; numeric-looking fields become numbers, `true`/`false` booleans.
 */
export async function readHistory(dir: string, name: string): Promise<HistoryRow[]> {
  const file = `${name}.history.csv`;
  const path = join(dir, file);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new Error(`${path}: cannot read: ${(err as Error).message}`);
  }
  const manifest = await readManifest(dir);
  const problem = await verifyTable(path, bytes, manifest.tables[file], join(dir, MANIFEST));
  if (problem) throw new Error(problem);
  const typed = (s: string): string | number | boolean =>
    s === "true"
      ? true
      : s === "false"
      ? false
      : s !== "" && Number.isFinite(Number(s))
      ? Number(s)
      : s;
  return csvParse(new TextDecoder().decode(bytes)).map((d) =>
    Object.fromEntries(Object.entries(d).map(([k, v]) => [k, typed(String(v ?? ""))])) as HistoryRow
  );
}

/**
 * Copies a finished run's tables into `dataDir`: all verified against the run's manifest
 * first, then each CSV replaced atomically, then `dataDir`'s manifest updated for them.
 * Returns the files promoted.
 */
export async function promoteRun(runDir: string, dataDir: string): Promise<string[]> {
  const source = await readManifest(runDir);
  const files = Object.keys(source.tables);
  if (files.length === 0) {
    throw new Error(`${join(runDir, MANIFEST)}: no manifest; the run did not finish`);
  }
  const contents = new Map<string, Uint8Array>();
  for (const file of files) {
    const path = join(runDir, file);
    const bytes = await Deno.readFile(path);
    const problem = await verifyTable(path, bytes, source.tables[file], join(runDir, MANIFEST));
    if (problem) throw new Error(problem);
    contents.set(file, bytes);
  }
  await Deno.mkdir(dataDir, { recursive: true });
  const target = await readManifest(dataDir);
  for (const [file, bytes] of contents) {
    await writeAtomic(join(dataDir, file), bytes);
    target.tables[file] = source.tables[file];
  }
  await writeManifest(dataDir, target);
  return files;
}

/**
 * Records files already in `dir` in its manifest as they are (origin read from their rows):
 * for results that predate manifests. Never changes a CSV.
 */
export async function adoptTables(
  dir: string,
  files: readonly string[],
  origin: (file: string, rows: ResultRow[]) => Omit<RunOrigin, "run">,
): Promise<void> {
  const manifest = await readManifest(dir);
  for (const file of files) {
    const bytes = await Deno.readFile(join(dir, file));
    const text = new TextDecoder().decode(bytes);
    const rows = parseResults(text, join(dir, file));
    manifest.tables[file] = {
      ...origin(file, rows),
      run: "adopted",
      columns: csvParseRows(text.slice(0, text.indexOf("\n")))[0],
      rows: rows.length,
      sha256: await sha256(bytes),
    };
  }
  await writeManifest(dir, manifest);
}
