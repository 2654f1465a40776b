/**
 * Progress display for long runs, on stderr so it never mixes with data on stdout: a single
 * updating line on a terminal, plain periodic lines otherwise (CI logs), nothing when
 * `BENCH_QUIET=1` or when the caller asks for silence (tests).
 *
 * @module
 */

/** `auto` picks `silent` if BENCH_QUIET=1, else `tty` on a terminal, else `lines`. */
export type ProgressMode = "auto" | "tty" | "lines" | "silent";

/** What the display shows, polled on each tick. */
export interface ProgressState {
  /** "warmup" or "measure". */
  phase: string;
  /** Successful measured operations so far. */
  ops: number;
  /** Failed measured operations so far. */
  errors: number;
}

/** Options of {@link startProgress}. */
export interface ProgressOptions {
  /** Display mode (default "auto"). */
  mode?: ProgressMode;
  /** Prefix of each line, e.g. the experiment and engine. */
  label?: string;
  /** Tick interval in ms (default 500 on a terminal, 10 000 for plain lines). */
  intervalMs?: number;
}

function envQuiet(): boolean {
  try {
    return Deno.env.get("BENCH_QUIET") === "1";
  } catch {
    return false; // no --allow-env: assume not quiet
  }
}

/** Resolves `auto` to a concrete mode. */
export function resolveProgressMode(mode: ProgressMode = "auto"): Exclude<ProgressMode, "auto"> {
  if (mode !== "auto") return mode;
  if (envQuiet()) return "silent";
  return Deno.stderr.isTerminal() ? "tty" : "lines";
}

/**
 * Starts a periodic display of `poll()`; returns a function that stops it (and ends the
 * terminal line). The timer is unref'd so it never keeps a process alive.
 */
export function startProgress(poll: () => ProgressState, opts: ProgressOptions = {}): () => void {
  const mode = resolveProgressMode(opts.mode);
  if (mode === "silent") return () => {};
  const enc = new TextEncoder();
  const write = (s: string) => {
    try {
      Deno.stderr.writeSync(enc.encode(s));
    } catch {
      // a closed stderr must not break a benchmark
    }
  };
  const label = opts.label ? `[${opts.label}] ` : "";
  const t0 = performance.now();
  let lastT = t0;
  let lastOps = 0;
  const render = () => {
    const now = performance.now();
    const s = poll();
    const rate = (s.ops - lastOps) / Math.max(1e-9, (now - lastT) / 1000);
    if (s.ops < lastOps) lastOps = 0;
    lastT = now;
    lastOps = s.ops;
    return `${label}${((now - t0) / 1000).toFixed(1)}s ${s.phase}: ${s.ops} ops ` +
      `(${Math.round(rate)}/s), ${s.errors} errors`;
  };
  const interval = opts.intervalMs ?? (mode === "tty" ? 500 : 10_000);
  const id = setInterval(() => {
    const line = render();
    write(mode === "tty" ? `\r${line}\x1b[K` : `${line}\n`);
  }, interval);
  Deno.unrefTimer(id);
  return () => {
    clearInterval(id);
    if (mode === "tty") write(`\r${render()}\x1b[K\n`);
  };
}
