/**
 * Run or replay: an experiment either runs against engines and (only when it finished)
 * writes its CSVs atomically to data/, or reads the committed CSVs back so a notebook opened
 * without any engine still shows the results.
 */

import { readResults, type ResultRow, writeResults } from "../results/mod.ts";

/** The workspace's data/ directory (absolute, whatever the caller's cwd). */
export const DATA_DIR = new URL("../../data/", import.meta.url).pathname;

/** Absolute path of a CSV in data/. */
export function dataPath(file: string): string {
  return `${DATA_DIR}${file}`;
}

/**
 * `run` true: call `produce`, then write every returned table to data/<name>.csv (all
 * validated before any is written, so a bad row leaves data/ untouched). `run` false: read
 * data/<name>.csv for each name. Returns the tables either way.
 */
export async function runOrReplay<N extends string>(
  names: readonly N[],
  run: boolean,
  produce: () => Promise<Record<N, ResultRow[]>>,
  { dataDir = DATA_DIR }: { dataDir?: string } = {},
): Promise<Record<N, ResultRow[]>> {
  const out = {} as Record<N, ResultRow[]>;
  if (!run) {
    for (const name of names) {
      const path = `${dataDir}${name}.csv`;
      try {
        out[name] = await readResults(path);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound || /No such file|not found/i.test(String(err))) {
          throw new Error(`no results in ${path} yet: run the experiment with BENCH_RUN=1`);
        }
        throw err;
      }
    }
    return out;
  }
  const tables = await produce();
  for (const name of names) {
    if (!tables[name]?.length) {
      throw new Error(`experiment produced no rows for ${name}; data/ left untouched`);
    }
  }
  // Write only after every table exists; each write is atomic on its own.
  for (const name of names) await writeResults(`${dataDir}${name}.csv`, tables[name]);
  return tables;
}

/**
 * One paragraph of Markdown saying where a table came from: rows, engines and versions,
 * providers, scale, seed, repetitions, when, at which commit, on what host. Notebooks show
 * it under the call that produced or replayed the rows.
 */
export function describeResults(rows: readonly ResultRow[]): string {
  if (rows.length === 0) return "No rows.";
  const first = rows[0];
  const measured = rows.filter((r) => r.metric !== "skipped");
  const engines = [
    ...new Set(measured.map((r) => `${r.engine} ${r.engine_version} (${r.provider})`)),
  ];
  const reps = new Set(measured.map((r) => r.repetition)).size;
  const times = rows.map((r) => r.started_at).sort();
  const commits = [
    ...new Set(
      rows.map((r) => `${r.git_commit.slice(0, 10)}${r.git_dirty ? " + uncommitted changes" : ""}`),
    ),
  ];
  return `**${rows.length} rows** of \`${first.experiment}\` — engines: ${
    engines.join(", ") || "none"
  }; ` +
    `scale \`${first.scale}\`, seed ${first.seed}, ${reps} repetition(s); ` +
    `measured ${times[0].slice(0, 16).replace("T", " ")} – ${
      times[times.length - 1].slice(0, 16).replace("T", " ")
    } UTC ` +
    `at commit ${
      commits.join(", ")
    } on ${first.host_cpu} (${first.host_cores} cores, ${first.host_mem_gib} GiB), ` +
    `${first.host_os}, Deno ${first.deno_version}.`;
}
