/**
 * The workspace's task commands (`./denow task <command>`, see deno.json):
 *
 *     run <experiment…>|--all   measure, write a run directory, promote complete default runs
 *     promote <run-dir>         replace data/'s tables with a run's, on purpose
 *     compare <run-dir>         the ADR's figures on data/ and on a run, side by side
 *     notebook <name…>|--all    execute notebooks headlessly (replay), export the report
 *     report                    export report/ and check its charts in Chromium
 *     adr [--check]             regenerate the ADR's figures from data/ (or only check them)
 *
 * Progress goes to stderr; an error is one line and a non-zero exit (1 failure, 2 usage).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join, relative, resolve } from "node:path";
import { checkAdrFull, describeProblem, mergeFigures, updateAdr } from "./report/adr.ts";
import { checkReport } from "./report/browser_check.ts";
import { compareRuns } from "./report/compare.ts";
import { exportReport } from "./report/html.ts";
import { listNotebooks, resolveNotebook, runNotebook } from "./report/notebooks.ts";
import { experimentById, EXPERIMENTS, FIGURE_SETS, RECORD_CHARTS } from "./registry.ts";
import { DATA_DIR, REPO_ROOT } from "./results/paths.ts";
import { promoteRun } from "./results/rundir.ts";
import { outdatedCheck } from "./results/fingerprint.ts";
import { recheckExperiment, runExperiment, shown, userDir } from "./runs.ts";
import { SCALE_NAMES } from "./workload/scales.ts";

/** A usage mistake: reported with exit code 2. */
export class UsageError extends Error {}

const NOTEBOOK_DIR = join(REPO_ROOT, "notebooks");
const REPORT_DIR = join(REPO_ROOT, "report");

/** Every command: its one-line summary and its help text. */
const HELP: Record<string, string> = {
  run: `usage: ./denow task run <experiment…> | --all [options]
  Measure experiments against real engines. Each run writes runs/<time>-<experiment>-…/ (CSVs
  and a manifest); a complete run at the default scale, seed and repetitions also replaces its
  tables in data/. Anything else stays in its run directory (promote it on purpose).
  experiments: ${EXPERIMENTS.map((e) => `${e.id} (${e.title})`).join("; ")}
  --scale S          ${SCALE_NAMES.join(" | ")} (default: default, or BENCH_SCALE)
  --repetitions N    repetitions of every configuration (default 3, or BENCH_REPETITIONS)
  --seed N           workload seed (default 42, or BENCH_SEED)
  --engine NAME      only this binding (repeatable; such a run is partial, never promoted)
  --no-promote       never replace data/, even for a complete default run`,
  promote: `usage: ./denow task promote <run-dir>
  Replace data/'s tables with those of a finished run (verified against its manifest first),
  and record them in data/manifest.json. Then regenerate the ADR: ./denow task adr`,
  compare: `usage: ./denow task compare <run-dir> [--against DIR]
  Compute every ADR figure on data/ (or DIR) and on the run directory, print them side by side
  and flag the figures whose value or conclusion changed.`,
  recheck: `usage: ./denow task recheck <experiment…> | --all [--dir DIR]
  Judge the histories saved with an experiment's results (data/, or DIR: a run directory)
  again with today's checkers; exit 1 if any verdict comes out differently.`,
  notebook: `usage: ./denow task notebook <name…> | --all [--env KEY=VALUE…] [--cell-timeout S]
  Execute notebooks headlessly with the Deno kernel (replaying data/ unless --env BENCH_RUN=1),
  verify every cell's output, write a notebook back only when its outputs changed, export the
  HTML report. notebooks: see notebooks/`,
  report: `usage: ./denow task report
  Export every notebook to report/ (one page each plus index.html) and check in headless
  Chromium that every chart is drawn.`,
  adr: `usage: ./denow task adr [--check]
  Rewrite the ADR's figures (adr/*.md) from data/, all or nothing; --check only lists figures
  that are stale, unknown or failing and exits 1 if there are any.`,
};

const USAGE = `usage: ./denow task <command> [options]   (./denow task <command> --help for more)
${Object.entries(HELP).map(([c, h]) => `  ${c.padEnd(9)} ${h.split("\n")[1].trim()}`).join("\n")}`;

/** Progress line on stderr. */
function say(line: string): void {
  console.error(line);
}

/** Option declarations as node:util parseArgs takes them. */
type Options = Record<
  string,
  { type: "string" | "boolean"; multiple?: boolean; default?: string | boolean | string[] }
>;

/** Parsed options of one command. */
interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

function parse(command: string, args: string[], options: Options): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...options, help: { type: "boolean", short: "h", default: false } },
    });
    return { values: values as Parsed["values"], positionals };
  } catch (err) {
    throw new UsageError(
      `${command}: ${(err as Error).message}; see ./denow task ${command} --help`,
    );
  }
}

function positiveInt(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new UsageError(`--${name} expects an integer, got "${text}"`);
  }
  return n;
}

async function runCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse("run", args, {
    all: { type: "boolean", default: false },
    scale: { type: "string" },
    repetitions: { type: "string" },
    seed: { type: "string" },
    engine: { type: "string", multiple: true },
    "no-promote": { type: "boolean", default: false },
  });
  if (values.help) return void console.log(HELP.run);
  if (values.all === positionals.length > 0) {
    throw new UsageError("run: name experiments or give --all (not both); see --help");
  }
  if (values.scale !== undefined && !SCALE_NAMES.includes(values.scale as string)) {
    throw new UsageError(
      `unknown scale "${values.scale}"; valid scales: ${SCALE_NAMES.join(", ")}`,
    );
  }
  const experiments = values.all ? [...EXPERIMENTS] : positionals.map((id) => {
    try {
      return experimentById(id);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  });
  const engines = values.engine as string[] | undefined;
  for (const exp of experiments) {
    say(`run: ${exp.id} — ${exp.title}`);
    const outcome = await runExperiment(exp, {
      scale: values.scale as string | undefined,
      repetitions: positiveInt("repetitions", values.repetitions as string | undefined),
      seed: positiveInt("seed", values.seed as string | undefined),
      overrides: engines ? { engines } : undefined,
      promote: values["no-promote"] ? "never" : "auto",
    });
    say(`run: ${exp.id}: wrote ${shown(outcome.runDir)}/`);
    if (outcome.promoted.length) {
      say(
        `run: ${exp.id}: promoted ${
          outcome.promoted.join(", ")
        } into data/; next: ./denow task adr`,
      );
    } else {
      say(
        `run: ${exp.id}: data/ left as it is (${outcome.notPromoted}); to adopt these results: ./denow task promote ${
          shown(outcome.runDir)
        }`,
      );
    }
  }
}

async function promoteCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse("promote", args, {});
  if (values.help) return void console.log(HELP.promote);
  if (positionals.length !== 1) throw new UsageError("promote: give one run directory; see --help");
  const files = await promoteRun(userDir(positionals[0]), DATA_DIR);
  say(`promote: ${files.join(", ")} now in data/; next: ./denow task adr`);
}

async function compareCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse("compare", args, { against: { type: "string" } });
  if (values.help) return void console.log(HELP.compare);
  if (positionals.length !== 1) throw new UsageError("compare: give one run directory; see --help");
  const report = await compareRuns(
    mergeFigures(FIGURE_SETS),
    values.against ? userDir(values.against as string) : DATA_DIR,
    userDir(positionals[0]),
  );
  console.log(report.text);
}

async function recheckCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse("recheck", args, {
    all: { type: "boolean", default: false },
    dir: { type: "string" },
  });
  if (values.help) return void console.log(HELP.recheck);
  if (values.all === positionals.length > 0) {
    throw new UsageError("recheck: name experiments or give --all (not both); see --help");
  }
  const experiments = values.all
    ? EXPERIMENTS.filter((e) => e.histories?.length)
    : positionals.map((id) => {
      try {
        return experimentById(id);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    });
  const dir = values.dir ? userDir(values.dir as string) : DATA_DIR;
  let bad = 0;
  for (const exp of experiments) {
    const r = await recheckExperiment(exp, dir);
    for (const m of r.mismatches) say(`recheck: ${exp.id}: ${m}`);
    say(`recheck: ${exp.id}: ${r.checked} verdict(s) judged again, ${r.mismatches.length} differ`);
    bad += r.mismatches.length;
  }
  if (bad) throw new Error(`${bad} verdict(s) differ from the saved ones`);
}

async function notebookCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse("notebook", args, {
    all: { type: "boolean", default: false },
    env: { type: "string", multiple: true, default: [] },
    "cell-timeout": { type: "string" },
  });
  if (values.help) return void console.log(HELP.notebook);
  if (values.all === positionals.length > 0) {
    throw new UsageError("notebook: give notebook names or --all (not both); see --help");
  }
  const env: Record<string, string> = {};
  for (const kv of values.env as string[]) {
    const at = kv.indexOf("=");
    if (at <= 0) throw new UsageError(`--env expects KEY=VALUE, got "${kv}"`);
    env[kv.slice(0, at)] = kv.slice(at + 1);
  }
  const timeoutText = values["cell-timeout"] as string | undefined;
  const timeout = timeoutText === undefined ? undefined : Number(timeoutText);
  if (timeout !== undefined && !(timeout > 0)) {
    throw new UsageError("--cell-timeout expects seconds > 0");
  }
  const notebooks = values.all ? await listNotebooks(NOTEBOOK_DIR) : await Promise.all(
    positionals.map((n) =>
      resolveNotebook(n.endsWith(".ipynb") && n.includes("/") ? resolve(n) : n, NOTEBOOK_DIR)
        .catch((e) => {
          throw new UsageError((e as Error).message);
        })
    ),
  );
  let failed = 0;
  for (const nb of notebooks) {
    try {
      await runNotebook(relative(REPO_ROOT, nb), { env, cellTimeoutSeconds: timeout, log: say });
    } catch (err) {
      failed++;
      say(`error: ${(err as Error).message}`);
    }
  }
  await exportAll(false);
  if (failed) throw new Error(`${failed} of ${notebooks.length} notebook(s) failed`);
}

/** Exports all notebooks, optionally checks the charts; returns false if a check failed. */
export async function exportAll(check: boolean): Promise<boolean> {
  const notebooks = await listNotebooks(NOTEBOOK_DIR);
  say(`report: exporting ${notebooks.length} notebook(s) to report/`);
  const index = await exportReport(notebooks, REPORT_DIR, RECORD_CHARTS);
  say(`report: ${shown(index)}`);
  return check ? await checkCharts() : true;
}

/** Chromium check of every exported page; returns false if any page fails. */
export async function checkCharts(): Promise<boolean> {
  const results = await checkReport(REPORT_DIR);
  let ok = true;
  for (const r of results) {
    const drawn = r.charts.map((c) => c.drawn).join(", ");
    if (r.problems.length === 0) {
      say(`check: ${shown(r.page)}: ${r.charts.length} chart(s) drawn (marks: ${drawn})`);
    } else {
      ok = false;
      say(`check: ${shown(r.page)}: ${r.problems.join("; ")}`);
    }
  }
  return ok;
}

async function adrCommand(args: string[]): Promise<void> {
  const { values } = parse("adr", args, { check: { type: "boolean", default: false } });
  if (values.help) return void console.log(HELP.adr);
  const figures = mergeFigures(FIGURE_SETS);
  if (values.check) {
    // Outdated means the experiment's code changed since the data's commit (comments and
    // type-only edits aside), not merely that the bytes differ.
    const check = outdatedCheck(new Map(EXPERIMENTS.map((e) => [e.id, e.module])));
    const { problems, outdated } = await checkAdrFull({ figures, outdated: check });
    for (const o of outdated) say(`${shown(o.file)}:${o.line}: outdated: ${o.message}`);
    if (outdated.length) {
      say(`adr: ${outdated.length} figure(s) rest on data measured by older code (warnings)`);
    }
    for (const p of problems) say(describeProblem(p));
    if (problems.length) {
      throw new Error(`${problems.length} ADR problem(s); regenerate with: ./denow task adr`);
    }
    say(`adr: up to date with data/ (${figures.size} registered figure(s))`);
    return;
  }
  const { changed, problems } = await updateAdr({ figures });
  for (const p of problems) say(describeProblem(p));
  if (problems.length) {
    throw new Error(`${problems.length} ADR problem(s); the ADR was left as it was`);
  }
  for (const file of changed) say(`adr: rewrote ${shown(file)}`);
  if (changed.length === 0) say("adr: nothing to change");
}

/** Entry point: `cli.ts <command> [options]`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "run":
        await runCommand(rest);
        break;
      case "promote":
        await promoteCommand(rest);
        break;
      case "compare":
        await compareCommand(rest);
        break;
      case "recheck":
        await recheckCommand(rest);
        break;
      case "notebook":
        await notebookCommand(rest);
        break;
      case "report": {
        const { values } = parse("report", rest, {});
        if (values.help) {
          console.log(HELP.report);
          break;
        }
        if (!(await exportAll(true))) throw new Error("some charts are not drawn");
        break;
      }
      case "adr":
        await adrCommand(rest);
        break;
      case undefined:
      case "-h":
      case "--help":
      case "help":
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(
          `unknown command "${command}"; commands: ${Object.keys(HELP).join(", ")}`,
        );
    }
    return 0;
  } catch (err) {
    say(`error: ${(err as Error).message}`);
    return err instanceof UsageError ? 2 : 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
