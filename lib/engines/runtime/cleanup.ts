/**
 * Nothing left running, ever. Four layers:
 * 1. every started engine registers here and `stopAll` stops them (normal end, errors);
 * 2. while any engine runs, SIGINT/SIGTERM/SIGHUP stop them all and exit 130/143/129 — except
 *    inside a Jupyter kernel, where an interrupt (SIGINT) stops the engines and fails the cell
 *    but keeps the kernel;
 * 3. the watchdog (watchdog.ts) kills the process groups and removes the temp dirs of a runner
 *    that died without running any handler (SIGKILL, a closed terminal);
 * 4. every native temp dir records its runner's pid and process groups, so the next run reaps
 *    whatever a dead run left ({@link reapOrphans}) should the watchdog itself have been killed.
 *
 * A Jupyter kernel also watches its parent: when the process that started it (a notebook
 * server, the headless runner) is gone, the kernel stops its engines and exits instead of
 * idling as an orphan.
 *
 * @module
 */

import { sleep } from "./net.ts";

/** Anything that can be stopped: a started engine. */
export interface Stoppable {
  stop(): Promise<void>;
}

const running = new Set<Stoppable>();
let signalled = false;
const emergency = new Set<() => void>();
let listening = false;
let stopping: Promise<void> | undefined;

/** Prefix of every temp dir the workspace makes, so the reaper can find them. */
export const TEMP_PREFIX = "dsbench-";

/** True inside a `deno jupyter` kernel (Deno.jupyter throws anywhere else). */
export function inJupyterKernel(): boolean {
  try {
    return typeof (Deno as unknown as { jupyter?: unknown }).jupyter === "object";
  } catch {
    return false;
  }
}

/** The parent pid of this process, read from /proc (undefined where there is none). */
function parentPid(): number | undefined {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * In a Jupyter kernel, poll the parent pid: once it changes the parent is gone (the kernel was
 * re-parented), so stop every engine and exit. Unref'd: it never keeps a process alive.
 */
function watchParentOfKernel() {
  const parent = parentPid();
  if (parent === undefined) return;
  const id = setInterval(() => {
    if (parentPid() === parent) return;
    clearInterval(id);
    for (const panic of emergency) panic();
    stopAll().finally(() => Deno.exit(129));
  }, 1000);
  Deno.unrefTimer(id);
}

let interruptedAt: number | undefined;

/**
 * In a Jupyter kernel the interrupt button sends SIGINT. Without a listener it would kill the
 * kernel (and its state); with this one it stops the engines this kernel started, marks the
 * run interrupted ({@link throwIfInterrupted}) and keeps the kernel.
 */
function listenForInterrupts() {
  Deno.addSignalListener("SIGINT", () => {
    interruptedAt = performance.now();
    console.error(`interrupted: stopping ${running.size} engine(s) started by this notebook...`);
    void stopAll();
  });
}

/**
 * Throws when the notebook's interrupt button was pressed since `since` (a performance.now()
 * time): long runs call it between configurations so an interrupted run ends at once with a
 * clear message instead of failing on its stopped engines.
 */
export function throwIfInterrupted(since: number): void {
  if (interruptedAt !== undefined && interruptedAt >= since) {
    throw new Error("interrupted: the run was stopped from the notebook (its engines are stopped)");
  }
}

if (inJupyterKernel()) {
  watchParentOfKernel();
  listenForInterrupts();
}

/** Register a started engine; `panic` must synchronously kill its processes (last resort). */
export function track(engine: Stoppable, panic: () => void): () => void {
  running.add(engine);
  emergency.add(panic);
  listen();
  return () => {
    running.delete(engine);
    emergency.delete(panic);
    if (running.size === 0) unlisten();
  };
}

/**
 * After a terminating signal, code that was starting an engine must not end the process with
 * its own "interrupted" error before the handler has stopped everything and exited: such code
 * awaits this (which never settles once a signal arrived) instead of throwing.
 */
export function waitIfInterrupted(): Promise<void> {
  return signalled && !inJupyterKernel() ? new Promise(() => {}) : Promise.resolve();
}

/** How many engines this process has running (tests use it to prove nothing is left). */
export function runningCount(): number {
  return running.size;
}

/** Stop every engine this process started; safe to call more than once. */
export function stopAll(): Promise<void> {
  stopping ??= (async () => {
    const all = [...running];
    await Promise.allSettled(all.map((e) => e.stop()));
  })().finally(() => (stopping = undefined));
  return stopping;
}

type Terminating = "SIGINT" | "SIGTERM" | "SIGHUP";
const EXIT_CODES: Record<Terminating, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

function onSignal(signal: Terminating): () => void {
  return () => {
    // In a kernel the interrupt button is handled by listenForInterrupts: stop the engines,
    // keep the kernel.
    if (signal === "SIGINT" && inJupyterKernel()) return;
    signalled = true;
    console.error(`\n${signal}: stopping ${running.size} engine(s) started by this run...`);
    const code = EXIT_CODES[signal];
    // A second signal, or a stop that hangs, falls back to killing the process groups.
    const hard = setTimeout(() => {
      for (const panic of emergency) panic();
      Deno.exit(code);
    }, 15_000);
    stopAll().finally(() => {
      clearTimeout(hard);
      Deno.exit(code);
    });
  };
}

const handlers = {
  SIGINT: onSignal("SIGINT"),
  SIGTERM: onSignal("SIGTERM"),
  SIGHUP: onSignal("SIGHUP"),
};
const onUnload = () => {
  for (const panic of emergency) panic();
};

function listen() {
  if (listening) return;
  listening = true;
  for (const [signal, handler] of Object.entries(handlers)) {
    Deno.addSignalListener(signal as Terminating, handler);
  }
  globalThis.addEventListener("unload", onUnload);
}

function unlisten() {
  if (!listening) return;
  listening = false;
  for (const [signal, handler] of Object.entries(handlers)) {
    Deno.removeSignalListener(signal as Terminating, handler);
  }
  globalThis.removeEventListener("unload", onUnload);
}

/** What a native temp dir records about who made it and what runs from it. */
export interface OwnerRecord {
  runnerPid: number;
  runnerStartTicks: string;
  groups: { pgid: number; startTicks: string }[];
}

/** Start time of a process in clock ticks since boot (pid reuse guard), or undefined. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Field 22; the command name (field 2) may contain spaces, so count after ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Base directory for temp dirs. */
export function tempBase(): string {
  return Deno.env.get("TMPDIR") || "/tmp";
}

/**
 * Kill the process groups and remove the temp dirs that a dead earlier run left behind.
 * Runs once per process before the first native start. Returns how many dirs it reaped.
 */
export async function reapOrphans(base = tempBase()): Promise<number> {
  let reaped = 0;
  for await (const entry of Deno.readDir(base)) {
    if (!entry.isDirectory || !entry.name.startsWith(TEMP_PREFIX)) continue;
    const dir = `${base}/${entry.name}`;
    let owner: OwnerRecord;
    try {
      owner = JSON.parse(await Deno.readTextFile(`${dir}/owner.json`));
    } catch {
      continue; // being created right now, or not ours
    }
    if (processStartTicks(owner.runnerPid) === owner.runnerStartTicks) continue; // alive
    for (const { pgid, startTicks } of owner.groups) {
      if (processStartTicks(pgid) !== startTicks) continue;
      try {
        Deno.kill(-pgid, "SIGKILL");
      } catch { /* already gone */ }
    }
    await sleep(50);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    reaped++;
  }
  return reaped;
}
