/**
 * Command line of the notebook pipeline and the ADR:
 *
 *     deno run -A lib/report/cli.ts run <notebook…> | --all [--env K=V…]
 *     deno run -A lib/report/cli.ts export [--check]
 *     deno run -A lib/report/cli.ts check
 *     deno run -A lib/report/cli.ts adr [--check]
 *
 * Progress goes to stderr; errors are one line (plus, for a failing cell, the first lines of
 * its traceback) and a non-zero exit: 1 for a failed run or check, 2 for a usage error.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join, relative, resolve } from "node:path";
import { figureSets } from "../experiments/figures.ts";
import { checkAdr, describeProblem, mergeFigures, REPO_ROOT, updateAdr } from "./adr.ts";
import { checkReport } from "./browser_check.ts";
import { exportReport } from "./html.ts";
import { listNotebooks, resolveNotebook, runNotebook } from "./notebooks.ts";

const USAGE = `usage: cli.ts <command> [options]
  run <notebook…> | --all   execute notebooks headlessly (Deno kernel), verify every cell's
                            output, write them back, export the HTML report
      --env KEY=VALUE       extra environment for the kernel (repeatable), e.g. BENCH_RUN=1
      --cell-timeout S      seconds per cell (default: none)
  export [--check]          export every notebook to report/ (+ index.html); --check also
                            verifies in headless Chromium that each chart is drawn
  check                     verify the charts of report/ in headless Chromium
  adr [--check]             rewrite the ADR's figures from data/; --check only reports
                            stale/unknown figures and missing links`;

const NOTEBOOK_DIR = join(REPO_ROOT, "notebooks");
const REPORT_DIR = join(REPO_ROOT, "report");

/** A usage mistake: reported with exit code 2. */
class UsageError extends Error {}

/** Progress line on stderr. */
function say(line: string): void {
  console.error(line);
}

/** Paths as the user sees them (relative to the repository). */
function rel(path: string): string {
  return relative(REPO_ROOT, resolve(path)) || ".";
}

/** Parses `--env K=V` values. */
function parseEnv(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of values) {
    const at = kv.indexOf("=");
    if (at <= 0) throw new UsageError(`--env expects KEY=VALUE, got "${kv}"`);
    env[kv.slice(0, at)] = kv.slice(at + 1);
  }
  return env;
}

/** Exports all notebooks, optionally checks the charts; returns false if a check failed. */
async function exportAll(check: boolean): Promise<boolean> {
  const notebooks = await listNotebooks(NOTEBOOK_DIR);
  say(`report: exporting ${notebooks.length} notebook(s) to ${rel(REPORT_DIR)}/`);
  const index = await exportReport(notebooks, REPORT_DIR);
  say(`report: ${rel(index)}`);
  return check ? await checkCharts() : true;
}

/** Chromium check of every exported page; returns false if any page fails. */
async function checkCharts(): Promise<boolean> {
  const results = await checkReport(REPORT_DIR);
  let ok = true;
  for (const r of results) {
    const drawn = r.charts.map((c) => c.drawn).join(", ");
    if (r.problems.length === 0) {
      say(`check: ${rel(r.page)}: ${r.charts.length} chart(s) drawn (marks: ${drawn})`);
    } else {
      ok = false;
      say(`check: ${rel(r.page)}: ${r.problems.join("; ")}`);
    }
  }
  return ok;
}

/** `run`: execute, verify, write back, export. */
async function run(names: string[], all: boolean, env: Record<string, string>, timeout?: number) {
  if (all === names.length > 0) {
    throw new UsageError("run: give notebook names or --all (not both)");
  }
  const notebooks = all
    ? await listNotebooks(NOTEBOOK_DIR)
    : await Promise.all(names.map((n) =>
      resolveNotebook(n, NOTEBOOK_DIR).catch((e) => {
        throw new UsageError((e as Error).message);
      })
    ));
  let failed = 0;
  for (const nb of notebooks) {
    try {
      await runNotebook(rel(nb), { env, cellTimeoutSeconds: timeout, log: say });
    } catch (err) {
      failed++;
      say(`error: ${(err as Error).message}`);
    }
  }
  await exportAll(false);
  if (failed) throw new Error(`${failed} of ${notebooks.length} notebook(s) failed`);
}

/** `adr`: rewrite (or only check) the ADR's figures. */
async function adr(checkOnly: boolean) {
  const figures = mergeFigures(figureSets);
  if (checkOnly) {
    const problems = await checkAdr({ figures });
    for (const p of problems) say(describeProblem(p));
    if (problems.length) throw new Error(`${problems.length} ADR problem(s); run: deno task adr`);
    say(`adr: up to date with data/ (${figures.size} registered figure(s))`);
    return;
  }
  const { changed, problems } = await updateAdr({ figures });
  for (const file of changed) say(`adr: rewrote ${rel(file)}`);
  if (changed.length === 0) say("adr: nothing to change");
  for (const p of problems) say(describeProblem(p));
  if (problems.length) throw new Error(`${problems.length} ADR problem(s)`);
}

/** Entry point; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  try {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        all: { type: "boolean", default: false },
        check: { type: "boolean", default: false },
        env: { type: "string", multiple: true, default: [] },
        "cell-timeout": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || !command) {
      console.log(USAGE);
      return command || values.help ? 0 : 2;
    }
    const timeout = values["cell-timeout"] === undefined
      ? undefined
      : Number(values["cell-timeout"]);
    if (timeout !== undefined && !(timeout > 0)) {
      throw new UsageError("--cell-timeout expects seconds > 0");
    }
    // Names are notebook names; paths given by the user are relative to where they ran us.
    const names = rest.map((n) => n.endsWith(".ipynb") && n.includes("/") ? resolve(n) : n);
    Deno.chdir(REPO_ROOT);
    switch (command) {
      case "run":
        await run(names, values.all, parseEnv(values.env), timeout);
        break;
      case "export":
        if (!(await exportAll(values.check))) throw new Error("some charts are not drawn");
        break;
      case "check":
        if (!(await checkCharts())) throw new Error("some charts are not drawn");
        break;
      case "adr":
        await adr(values.check);
        break;
      default:
        throw new UsageError(`unknown command "${command}"; commands: run, export, check, adr`);
    }
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    say(`error: ${(err as Error).message}`);
    return usage ? 2 : 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
