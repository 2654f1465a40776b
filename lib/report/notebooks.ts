/**
 * Headless execution of the project's notebooks with the Deno Jupyter kernel, and the check
 * that every cell really produced its output.
 *
 * Why the check: with Deno 2.9 the kernel sometimes reports a cell finished before sending its
 * outputs, and nbclient then drops them while exiting 0 (see FINDINGS.md). The Python helper
 * (execute_notebook.py) listens past that point; this module still verifies the result rather
 * than trusting an exit code, retries a notebook once if outputs were lost, and never retries a
 * cell error.
 *
 * @module
 */
import { reapOrphans } from "../engines/runtime/cleanup.ts";
import { releasePath, watchPath } from "../engines/runtime/watchdog.ts";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The Python that has Debian's nbclient (the pyenv `python3` on PATH does not). */
export const PYTHON = "/usr/bin/python3";
const EXECUTOR = fileURLToPath(new URL("./execute_notebook.py", import.meta.url));
/** Name of the kernelspec the runner writes for itself (distinct from a user's "deno"). */
export const KERNEL_NAME = "deno-bench-runner";
/** A code cell containing this comment is allowed to produce no output (set-up, imports). */
export const NO_OUTPUT_MARKER = "// no-output";

/** The parts of an nbformat 4 notebook this module reads. */
export interface NotebookJson {
  cells: NotebookCell[];
  metadata?: Record<string, unknown>;
}

/** One cell of a {@link NotebookJson}; nbformat stores text as a string or a list of lines. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}

/** One output of a code cell. */
export interface NotebookOutput {
  output_type: string;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  [key: string]: unknown;
}

/** A problem found in an executed notebook, tied to the cell a reader can find. */
export interface CellIssue {
  /** Index of the cell in the notebook (0-based, counting markdown cells too). */
  index: number;
  /** The cell's first non-empty source line, so the cell can be found by eye. */
  firstLine: string;
  /** What is wrong, in words. */
  problem: string;
}

/** Joins nbformat multi-line text (string or list of lines). */
export function cellText(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : text ?? "";
}

/** First non-empty line of a cell, trimmed and shortened for messages. */
export function firstLine(cell: NotebookCell): string {
  const line = cellText(cell.source).split("\n").find((l) => l.trim() !== "") ?? "";
  const trimmed = line.trim();
  return trimmed.length > 80 ? `${trimmed.slice(0, 77)}...` : trimmed;
}

/**
 * Checks an executed notebook. Rule: every non-empty code cell must have been executed and have
 * at least one output, unless its source contains {@link NO_OUTPUT_MARKER}. Error outputs are
 * reported too (a notebook saved with an error is not a result). Returns [] when all is well.
 */
export function verifyOutputs(nb: NotebookJson): CellIssue[] {
  const issues: CellIssue[] = [];
  nb.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const source = cellText(cell.source);
    if (source.trim() === "") return;
    const outputs = cell.outputs ?? [];
    const at = { index, firstLine: firstLine(cell) };
    const error = outputs.find((o) => o.output_type === "error");
    if (error) {
      issues.push({ ...at, problem: `raised ${error.ename}: ${error.evalue}` });
    } else if (cell.execution_count === null || cell.execution_count === undefined) {
      issues.push({ ...at, problem: "was not executed" });
    } else if (outputs.length === 0 && !source.includes(NO_OUTPUT_MARKER)) {
      issues.push({
        ...at,
        problem: `produced no output (lost to the kernel's output race, or a silent cell ` +
          `that should say "${NO_OUTPUT_MARKER}")`,
      });
    }
  });
  return issues;
}

/** Formats one issue as `cell 3 ("chart(rows)"): produced no output`. */
export function describeIssue(issue: CellIssue): string {
  return `cell ${issue.index} (${JSON.stringify(issue.firstLine)}): ${issue.problem}`;
}

/** Why a notebook run failed; the message names the notebook and the cell. */
export class NotebookRunError extends Error {
  /**
   * @param notebook path of the notebook
   * @param kind "cell_error" (a cell raised), "missing_outputs" (still lost after the retry),
   *   or "failed" (kernel died, timeout, helper failed)
   * @param issues the cells concerned, if any
   */
  constructor(
    readonly notebook: string,
    readonly kind: "cell_error" | "missing_outputs" | "failed",
    message: string,
    readonly issues: CellIssue[] = [],
  ) {
    super(`${notebook}: ${message}`);
    this.name = "NotebookRunError";
  }
}

/** Options of {@link runNotebook}. */
export interface RunOptions {
  /** Extra environment for the kernel (experiment parameters, e.g. BENCH_RUN=1). */
  env?: Record<string, string>;
  /** How long to keep listening after a cell's `idle` (ms). */
  graceMs?: number;
  /** Per-cell timeout in seconds (default: none; experiments can take long). */
  cellTimeoutSeconds?: number;
  /** Where to write the executed notebook (default: in place, atomically). */
  outPath?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** What a successful run did. */
export interface RunResult {
  /** Path of the executed notebook written. */
  outPath: string;
  /** 1, or 2 when outputs were lost on the first attempt. */
  attempts: number;
  /** Wall time of the successful attempt, as the helper measured it. */
  seconds: number;
  /** Outputs that arrived after `idle` and were kept thanks to the grace period. */
  lateMessages: number;
}

/** What execute_notebook.py prints on its last stdout line. */
interface HelperOutcome {
  status: "ok" | "cell_error" | "failed";
  cell?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
  message?: string;
  seconds: number;
  late_messages: number;
}

/** Writes a kernelspec pointing at the Deno that runs this code, in a fresh temp dir. */
export async function writeKernelSpec(): Promise<string> {
  const jupyterPath = await Deno.makeTempDir({ prefix: "dsbench-kernel-" });
  watchPath(jupyterPath); // removed by the watchdog if this runner is killed
  const dir = join(jupyterPath, "kernels", KERNEL_NAME);
  await Deno.mkdir(dir, { recursive: true });
  const spec = {
    // The absolute path of this very Deno: the notebooks run on the pinned version, whatever
    // kernel (if any) the user installed.
    argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: "Deno (headless runner)",
    language: "typescript",
  };
  await Deno.writeTextFile(join(dir, "kernel.json"), JSON.stringify(spec, null, 2));
  return jupyterPath;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** The run was stopped by a signal; the caller cleans up and exits with its code. */
class Interrupted extends Error {
  constructor(readonly signal: "SIGINT" | "SIGTERM" | "SIGHUP") {
    super(`${signal}: notebook run stopped`);
  }
}

const EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * The parts of a notebook that a replay may legitimately change: cell sources and outputs
 * (execution counts and transient metadata aside), so a replay that reproduces the saved
 * outputs leaves the file untouched.
 */
export function outputsKey(nb: NotebookJson): string {
  return JSON.stringify(nb.cells.map((c) => ({
    source: cellText(c.source),
    outputs: (c.outputs ?? []).map(({ execution_count: _n, metadata: _m, ...o }) => o),
  })));
}

/** Runs the Python helper once; returns its outcome and the notebook it wrote. */
async function executeOnce(
  path: string,
  tmpOut: string,
  jupyterPath: string,
  options: RunOptions,
): Promise<{ outcome: HelperOutcome; stderr: string }> {
  const args = [
    EXECUTOR,
    path,
    "--out",
    tmpOut,
    "--kernel",
    KERNEL_NAME,
    "--cwd",
    dirname(path),
    "--grace",
    String((options.graceMs ?? 250) / 1000),
    "--timeout",
    String(options.cellTimeoutSeconds ?? -1),
  ];
  const child = new Deno.Command(PYTHON, {
    args,
    env: { NO_COLOR: "1", ...options.env, JUPYTER_PATH: jupyterPath },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Ctrl-C or SIGTERM: let the executor and its kernel wind down, then reap whatever engines
  // the kernel could not stop before it was shut down, and only then exit.
  let interrupted: Interrupted["signal"] | undefined;
  const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((signal) => {
    const handler = () => {
      interrupted = signal;
      try {
        child.kill(signal);
      } catch { /* already exiting */ }
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  const out = await child.output().finally(() => {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  });
  if (interrupted) throw new Interrupted(interrupted);
  const stdout = new TextDecoder().decode(out.stdout).trim();
  const stderr = new TextDecoder().decode(out.stderr);
  const last = stdout.split("\n").at(-1) ?? "";
  try {
    return { outcome: JSON.parse(last) as HelperOutcome, stderr };
  } catch {
    const tail = stderr.trim().split("\n").slice(-5).join("\n");
    throw new NotebookRunError(path, "failed", `the executor failed (exit ${out.code}):\n${tail}`);
  }
}

/** The error message for a cell that raised: name, value and the first lines of traceback. */
function cellErrorMessage(path: string, nb: NotebookJson, o: HelperOutcome): NotebookRunError {
  const index = o.cell ?? -1;
  const cell = nb.cells[index];
  const where = cell
    ? describeIssue({ index, firstLine: firstLine(cell), problem: "raised" })
    : "a cell raised";
  const trace = (o.traceback ?? []).join("\n").replace(ANSI, "").split("\n").slice(0, 6);
  const issue = cell ? [{ index, firstLine: firstLine(cell), problem: `raised ${o.ename}` }] : [];
  return new NotebookRunError(
    path,
    "cell_error",
    `${where} ${o.ename}: ${o.evalue}\n  ${trace.join("\n  ")}`,
    issue,
  );
}

/**
 * Executes a notebook with the Deno kernel (cwd = the notebook's folder, environment inherited
 * plus `options.env`), verifies every cell's output, and writes the executed notebook back in
 * place atomically (or to `options.outPath`). Lost outputs → one retry of the whole notebook;
 * a cell error → thrown at once, the notebook on disk left as it was.
 *
 * @throws {NotebookRunError} naming the cell and the problem.
 */
export async function runNotebook(path: string, options: RunOptions = {}): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.error(line));
  const notebook = resolve(path);
  const outPath = resolve(options.outPath ?? notebook);
  // Same directory as the target, so the final rename is atomic; *.tmp is gitignored.
  const tmpOut = join(dirname(outPath), `.${basename(outPath)}.${Deno.pid}.tmp`);
  watchPath(tmpOut);
  const jupyterPath = await writeKernelSpec();
  try {
    for (let attempt = 1; attempt <= 2; attempt++) {
      log(`notebook ${path}: executing${attempt > 1 ? " again" : ""}`);
      const { outcome, stderr } = await executeOnce(notebook, tmpOut, jupyterPath, options);
      if (outcome.status === "failed") {
        const tail = stderr.trim().split("\n").slice(-3).join("\n  ");
        throw new NotebookRunError(path, "failed", `${outcome.message}\n  ${tail}`);
      }
      const nb = JSON.parse(await Deno.readTextFile(tmpOut)) as NotebookJson;
      if (outcome.status === "cell_error") throw cellErrorMessage(path, nb, outcome);
      const issues = verifyOutputs(nb);
      if (issues.length === 0) {
        const before = await Deno.readTextFile(outPath).then(parseNotebook, () => undefined);
        if (before && outputsKey(before) === outputsKey(nb)) {
          log(`notebook ${path}: outputs unchanged; file left as it was`);
        } else {
          await Deno.rename(tmpOut, outPath);
        }
        const late = outcome.late_messages ? `, ${outcome.late_messages} late outputs kept` : "";
        log(`notebook ${path}: ok in ${outcome.seconds.toFixed(1)} s${late}`);
        return {
          outPath,
          attempts: attempt,
          seconds: outcome.seconds,
          lateMessages: outcome.late_messages,
        };
      }
      const listed = issues.map(describeIssue).join("; ");
      if (attempt === 2 || issues.some((i) => i.problem.startsWith("raised"))) {
        throw new NotebookRunError(path, "missing_outputs", listed, issues);
      }
      log(`notebook ${path}: outputs missing (${listed}); retrying the whole notebook once`);
    }
    throw new Error("unreachable");
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    await cleanUp(tmpOut, jupyterPath);
    // The kernel is gone; whatever engines it could not stop, the reaper stops now.
    const reaped = await reapOrphans();
    console.error(
      `${err.message}${reaped ? `; removed ${reaped} engine dir(s) the kernel left` : ""}`,
    );
    Deno.exit(EXIT_CODES[err.signal]);
  } finally {
    await cleanUp(tmpOut, jupyterPath);
  }
}

/** The notebooks of a folder (`*.ipynb`, sorted by name, so numbered notebooks run in order). */
export async function listNotebooks(dir = "notebooks"): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ipynb")) names.push(join(dir, entry.name));
  }
  return names.sort();
}

/**
 * Finds a notebook of `dir` by name ("01-oltp-throughput", with or without ".ipynb"), or takes
 * a path to an existing notebook file as it is.
 * @throws Error listing the valid names when there is no such notebook.
 */
export async function resolveNotebook(name: string, dir = "notebooks"): Promise<string> {
  // An explicit path to a notebook elsewhere (e.g. a test fixture) is taken as it is.
  if (name.endsWith(".ipynb") && name.includes("/")) {
    const stat = await Deno.stat(name).catch(() => null);
    if (stat?.isFile) return name;
  }
  const all = await listNotebooks(dir).catch(() => [] as string[]);
  const wanted = basename(name).replace(/\.ipynb$/, "");
  const found = all.find((p) => basename(p, ".ipynb") === wanted);
  if (found) return found;
  const valid = all.map((p) => basename(p, ".ipynb")).join(", ") || "(none)";
  throw new Error(`unknown notebook "${name}"; valid names: ${valid}`);
}

async function cleanUp(tmpOut: string, jupyterPath: string) {
  await Deno.remove(tmpOut).catch(() => {});
  await Deno.remove(jupyterPath, { recursive: true }).catch(() => {});
  releasePath(tmpOut);
  releasePath(jupyterPath);
}

/** A notebook file's JSON, or undefined when the file is not a notebook (empty, partial). */
function parseNotebook(text: string): NotebookJson | undefined {
  try {
    return JSON.parse(text) as NotebookJson;
  } catch {
    return undefined;
  }
}
