/**
 * Where a table came from, in words a notebook shows under the call that produced or replayed
 * it.
 *
 * @module
 */

import type { ResultRow } from "../results/mod.ts";

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
