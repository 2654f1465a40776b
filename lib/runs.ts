/**
 * Running and replaying experiments — the one path every caller takes: the run task, the main
 * job, a notebook, a test of the pipeline.
 *
 * A run resolves its parameters, shows its progress (terminal bar, log lines or one notebook
 * display), measures, and writes its tables into a run directory of its own (runs/…, with a
 * manifest). Only a complete run at the default scale, seed and repetitions is promoted into
 * data/ automatically; anything else stays in its run directory until promoted on purpose, so
 * a quick look never degrades the committed results. A replay reads data/ (or the directory in
 * BENCH_DATA), every table checked against its manifest.
 *
 * @module
 */

import { isAbsolute, join, relative } from "node:path";
import { stopAll, throwIfInterrupted } from "./engines/mod.ts";
import {
  type Experiment,
  type Histories,
  isRunOutput,
  type Recheck,
  type Tables,
} from "./experiments/experiment.ts";
import { DEFAULT_PARAMS, experimentParams } from "./experiments/params.ts";
import { collectProvenance } from "./results/provenance.ts";
import { codeFingerprint as normalisedFingerprint } from "./results/fingerprint.ts";
import { DATA_DIR, REPO_ROOT, RUNS_DIR } from "./results/paths.ts";
import {
  promoteRun,
  readHistory,
  readManifest,
  readTable,
  writeRun,
  type Yardstick,
} from "./results/rundir.ts";
import { measureYardstick } from "./experiments/overhead/yardstick.ts";
import { openProgress, type ProgressView } from "./report/progress.ts";
import { experimentById } from "./registry.ts";

/** How to run an experiment. */
export interface RunOptions {
  scale?: string;
  seed?: number;
  repetitions?: number;
  /**
   * Experiment-specific configuration overrides (a subset of bindings, shorter runs). A run
   * with overrides is not complete and is never promoted automatically.
   */
  overrides?: Record<string, unknown>;
  /** Where progress goes (default: the terminal, a log, or the notebook). */
  view?: ProgressView;
  /** `auto`: promote a complete default run; `never`; `always` (an explicit promote). */
  promote?: "auto" | "never" | "always";
  runsDir?: string;
  dataDir?: string;
  /**
   * Measure the machine's yardstick first and keep it in the manifest (default: yes, except at
   * the quick scale or with BENCH_YARDSTICK=off), or record one measured already (the main job
   * measures it once for all its experiments).
   */
  yardstick?: boolean | Yardstick;
}

/** What a run produced. */
export interface RunOutcome {
  tables: Tables;
  /** The run directory written. */
  runDir: string;
  /** Files copied into data/ (empty when the run was not promoted). */
  promoted: string[];
  /** Why the run was not promoted, when it was not. */
  notPromoted?: string;
}

/** A path as the user sees it (relative to the repository when inside it). */
export function shown(path: string): string {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith("..") ? path : rel || ".";
}

/**
 * A hash of the code an experiment's results depend on: every local module in its import
 * graph (tests excluded), so rows made by older code of that experiment can be told apart.
 * Each module is hashed normalised (lib/results/normalise.ts: no comments, no layout, no
 * type-only declarations), so an edit that cannot change a measurement keeps the fingerprint;
 * rows stamped before December 2026 carry a hash of the raw bytes instead, which the ADR's
 * outdated check tells apart by comparing sources at their commit (lib/results/fingerprint.ts).
 */
export function codeFingerprint(moduleUrl: string): Promise<string> {
  return normalisedFingerprint(moduleUrl, REPO_ROOT);
}

/** Run one experiment into a run directory (and data/ when promoted). */
export async function runExperiment(
  experiment: Experiment | string,
  options: RunOptions = {},
): Promise<RunOutcome> {
  const exp = typeof experiment === "string" ? experimentById(experiment) : experiment;
  const params = experimentParams({
    ...(options.scale !== undefined ? { scale: options.scale } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.repetitions !== undefined ? { repetitions: options.repetitions } : {}),
  });
  const config = exp.config(params, options.overrides as never);
  const screen = openProgress(exp.id, options.view);
  const t0 = performance.now();
  // A notebook's interrupt button stops the engines; the next configuration then ends the run.
  const display = {
    ...screen,
    step(label: string) {
      throwIfInterrupted(t0);
      screen.step(label);
    },
  };
  const startedAt = new Date().toISOString();
  const [provenance, fingerprint] = await Promise.all([
    collectProvenance({ cwd: REPO_ROOT }),
    codeFingerprint(exp.module),
  ]);
  let tables: Tables;
  let histories: Histories = {};
  let yardstick: Yardstick | undefined;
  try {
    if (typeof options.yardstick === "object") yardstick = options.yardstick;
    else if (options.yardstick ?? wantsYardstick(params.scale)) {
      yardstick = await measureYardstick((line) => display.log(line));
    }
    const out = await exp.run(config, display);
    if (isRunOutput(out)) ({ tables, histories } = out);
    else tables = out;
    // A complete run fills every table and history; a run of chosen bindings fills those of
    // the parts it ran (at least one table), and leaves the others out of its directory.
    const partial = options.overrides !== undefined && Object.keys(options.overrides).length > 0;
    for (const name of exp.histories ?? []) {
      if (!histories[name]?.length && !partial) {
        throw new Error(`${exp.id}: the run recorded no history ${name}`);
      }
    }
    const empty = exp.tables.filter((name) => !tables[name]?.length);
    if (empty.length > 0 && (!partial || empty.length === exp.tables.length)) {
      throw new Error(`${exp.id}: the run produced no rows for ${empty[0]}`);
    }
  } catch (err) {
    display.close(false);
    await stopAll();
    throw err;
  }
  display.close(true);
  const complete = options.overrides === undefined || Object.keys(options.overrides).length === 0;
  const runDir = await writeRun(
    options.runsDir ?? RUNS_DIR,
    {
      experiment: exp.id,
      scale: params.scale,
      seed: params.seed,
      repetitions: params.repetitions,
      complete,
      git_commit: provenance.git_commit,
      git_dirty: provenance.git_dirty,
      code_fingerprint: fingerprint,
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      ...(yardstick ? { yardstick } : {}),
    },
    Object.fromEntries(
      exp.tables.filter((t) => tables[t]?.length).map((t) => [t, stamp(tables[t], fingerprint)]),
    ),
    Object.fromEntries(Object.entries(histories).filter(([, rows]) => rows.length > 0)),
  );
  const reason = promotionBlocker(params, complete);
  const promote = options.promote ?? "auto";
  if (promote === "always" || (promote === "auto" && !reason)) {
    const promoted = await promoteRun(runDir, options.dataDir ?? DATA_DIR);
    return { tables, runDir, promoted };
  }
  return {
    tables,
    runDir,
    promoted: [],
    notPromoted: promote === "never" ? "--no-promote" : reason,
  };
}

/** Every row of a table with the code fingerprint of the run that made it. */
function stamp(rows: Tables[string], fingerprint: string): Tables[string] {
  return rows.map((r) => ({ ...r, code_fingerprint: fingerprint }));
}

/** Why a run's results may not replace data/ automatically, or undefined when they may. */
export function promotionBlocker(
  params: { scale: string; seed: number; repetitions: number },
  complete: boolean,
): string | undefined {
  const off = (["scale", "seed", "repetitions"] as const)
    .filter((k) => params[k] !== DEFAULT_PARAMS[k])
    .map((k) => `${k} ${params[k]} (committed: ${DEFAULT_PARAMS[k]})`);
  if (!complete) off.push("a partial configuration");
  return off.length ? off.join(", ") : undefined;
}

/** Read an experiment's tables from a results directory, each checked against its manifest. */
export async function replayTables(
  experiment: Experiment | string,
  dir = DATA_DIR,
): Promise<Tables> {
  const exp = typeof experiment === "string" ? experimentById(experiment) : experiment;
  const tables: Tables = {};
  const manifest = await readManifest(dir);
  for (const name of exp.tables) {
    // A table the code declares that the directory has never held (neither the file nor a
    // manifest entry: a part added since the last measurement) replays as no rows, which
    // notebooks show as pending; a listed or present file is verified as always.
    const absent = !(`${name}.csv` in manifest.tables) &&
      !(await Deno.stat(join(dir, `${name}.csv`)).then(() => true, () => false));
    tables[name] = absent ? [] : await readTable(dir, name);
  }
  return tables;
}

/**
 * Judge an experiment's saved histories (in data/ or a run directory) again with today's
 * checkers and compare with the saved verdicts.
 */
export async function recheckExperiment(
  experiment: Experiment | string,
  dir = DATA_DIR,
): Promise<Recheck> {
  const exp = typeof experiment === "string" ? experimentById(experiment) : experiment;
  if (!exp.recheck || !exp.histories?.length) {
    throw new Error(`${exp.id}: records no histories to re-check`);
  }
  const histories: Histories = {};
  for (const name of exp.histories) histories[name] = await readHistory(dir, name);
  return await exp.recheck(histories, await replayTables(exp, dir));
}

/**
 * A notebook's tables: with BENCH_RUN=1 the experiment runs (progress in one display, results
 * in a run directory, promoted only when complete at the default scale); otherwise the
 * committed results are replayed from data/, or from the directory named by BENCH_DATA.
 */
export async function notebookTables(
  experiment: string,
  options: RunOptions = {},
): Promise<Tables> {
  const run = Deno.env.get("BENCH_RUN");
  if (run !== undefined && !["", "0", "1", "true", "false"].includes(run)) {
    throw new Error(`BENCH_RUN must be 1 (run the experiment) or 0 (replay data/), got "${run}"`);
  }
  if (run === "1" || run === "true") return (await runExperiment(experiment, options)).tables;
  const dir = Deno.env.get("BENCH_DATA");
  return await replayTables(experiment, dir ? userDir(dir) : DATA_DIR);
}

/**
 * Tables of a run directory to plot beside the committed ones (BENCH_COMPARE=<run-dir>), or
 * undefined when none is named.
 */
export async function comparisonTables(experiment: string): Promise<Tables | undefined> {
  const dir = Deno.env.get("BENCH_COMPARE");
  return dir ? await replayTables(experiment, userDir(dir)) : undefined;
}

/** A directory a user named: absolute as given, else relative to the repository. */
export function userDir(dir: string): string {
  return isAbsolute(dir) ? dir : join(REPO_ROOT, dir);
}

/** Whether a run at this scale measures the machine's yardstick (not quick, not turned off). */
export function wantsYardstick(scale: string): boolean {
  return scale !== "quick" && Deno.env.get("BENCH_YARDSTICK") !== "off";
}
