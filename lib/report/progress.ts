/**
 * How a run's {@link Progress} is shown. In a terminal: one bar redrawn in place (configuration
 * i of n, elapsed, time left, the current configuration and its live counters), with result
 * lines printed above it. In a log (stderr not a terminal): one plain line per configuration and
 * per result line. In a notebook: one display updated in place (a Jupyter display id), so the
 * saved notebook holds a single final status, never a stream of lines. Or nothing at all.
 *
 * @module
 */

import type { Progress } from "../experiments/experiment.ts";

/** Where progress goes. */
export type ProgressView = "tty" | "lines" | "jupyter" | "silent";

/** The view for this process: a notebook kernel, a terminal, or a log. BENCH_QUIET=1 silences. */
export function defaultView(): ProgressView {
  if (Deno.env.get("BENCH_QUIET") === "1") return "silent";
  try {
    if (typeof (Deno as unknown as { jupyter?: unknown }).jupyter === "object") return "jupyter";
  } catch { /* not a kernel */ }
  return Deno.stderr.isTerminal() ? "tty" : "lines";
}

/** A progress display you can also close (prints the final status). */
export interface ProgressDisplay extends Progress {
  /** Ends the display with a final line (`ok` false: the run failed). */
  close(ok: boolean): void;
}

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/** The state behind every view: counts, timing and the current label. */
class Tally {
  total = 0;
  done = 0;
  skipped = 0;
  current = "";
  detail = "";
  readonly t0 = performance.now();
  private stepStarted = this.t0;
  private measuredS = 0;

  plan(total: number) {
    this.total = Math.max(this.total, total);
  }
  step(label: string) {
    const now = performance.now();
    if (this.current) {
      this.done++;
      this.measuredS += (now - this.stepStarted) / 1000;
    }
    this.stepStarted = now;
    this.current = label;
    this.detail = "";
  }
  skip(count: number) {
    this.skipped += count;
  }
  elapsedS() {
    return (performance.now() - this.t0) / 1000;
  }
  /** Time left from the mean time of the configurations finished so far. */
  leftS() {
    const remaining = this.total - this.done - this.skipped - (this.current ? 1 : 0);
    if (this.done === 0 || remaining < 0) return NaN;
    const per = this.measuredS / this.done;
    const inCurrent = (performance.now() - this.stepStarted) / 1000;
    return Math.max(0, per - inCurrent) + remaining * per;
  }
  position() {
    const i = Math.min(this.total, this.done + this.skipped + (this.current ? 1 : 0));
    return this.total ? `${i}/${this.total}` : `${i}`;
  }
  summary() {
    const left = this.leftS();
    return `${formatDuration(this.elapsedS())} elapsed${
      Number.isFinite(left) ? `, ~${formatDuration(left)} left` : ""
    }`;
  }
}

const encoder = new TextEncoder();
function writeErr(text: string) {
  try {
    Deno.stderr.writeSync(encoder.encode(text));
  } catch { /* a closed stderr must not break a run */ }
}

/** Opens a progress display for a run called `name` in the given view. */
export function openProgress(name: string, view: ProgressView = defaultView()): ProgressDisplay {
  const t = new Tally();
  switch (view) {
    case "silent":
      return {
        plan: (n) => t.plan(n),
        step: (l) => t.step(l),
        skip: (n) => t.skip(n),
        log() {},
        detail() {},
        close() {},
      };
    case "lines":
      return {
        plan: (n) => t.plan(n),
        step(label) {
          t.step(label);
          writeErr(`[${name} ${t.position()}] ${label} (${t.summary()})\n`);
        },
        skip(n, reason) {
          t.skip(n);
          writeErr(`[${name}] skipped ${n}: ${reason}\n`);
        },
        log: (line) => writeErr(`  ${line}\n`),
        detail() {},
        close(ok) {
          writeErr(`[${name}] ${ok ? "done" : "FAILED"} after ${formatDuration(t.elapsedS())}\n`);
        },
      };
    case "tty":
      return ttyDisplay(name, t);
    case "jupyter":
      return jupyterDisplay(name, t);
  }
}

function bar(fraction: number, width = 20): string {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `${"█".repeat(full)}${"░".repeat(width - full)}`;
}

function ttyDisplay(name: string, t: Tally): ProgressDisplay {
  const columns = () => {
    try {
      return Deno.consoleSize().columns;
    } catch {
      return 100;
    }
  };
  const line = () => {
    const frac = t.total ? (t.done + t.skipped) / t.total : 0;
    const text = `${name} ${bar(frac)} ${t.position()} · ${t.summary()} · ${t.current}${
      t.detail ? ` · ${t.detail}` : ""
    }`;
    return text.length > columns() - 1 ? `${text.slice(0, columns() - 2)}…` : text;
  };
  const draw = () => writeErr(`\r${line()}\x1b[K`);
  const timer = setInterval(draw, 1000);
  Deno.unrefTimer(timer);
  return {
    plan(n) {
      t.plan(n);
      draw();
    },
    step(label) {
      t.step(label);
      draw();
    },
    skip(n, reason) {
      t.skip(n);
      writeErr(`\r\x1b[Kskipped ${n}: ${reason}\n`);
      draw();
    },
    log(text) {
      writeErr(`\r\x1b[K  ${text}\n`);
      draw();
    },
    detail(text) {
      t.detail = text;
    },
    close(ok) {
      clearInterval(timer);
      if (t.current) t.step("");
      writeErr(
        `\r\x1b[K${name} ${ok ? "done" : "FAILED"}: ${t.done} configuration(s)${
          t.skipped ? `, ${t.skipped} skipped` : ""
        } in ${formatDuration(t.elapsedS())}\n`,
      );
    },
  };
}

/** The subset of Deno's Jupyter API the display uses. */
interface JupyterApi {
  broadcast(type: string, content: Record<string, unknown>): Promise<void>;
}

function jupyterDisplay(name: string, t: Tally): ProgressDisplay {
  const jupyter = (Deno as unknown as { jupyter: JupyterApi }).jupyter;
  const id = `progress-${name}-${crypto.randomUUID()}`;
  const lines: string[] = [];
  let shown = false;
  let last = 0;
  const render = (final?: string) => {
    const head = final ??
      `${name}: ${t.position()} · ${t.summary()} · ${t.current}${t.detail ? ` · ${t.detail}` : ""}`;
    const text = [head, ...lines.slice(-12)].join("\n");
    const content = {
      data: { "text/plain": text },
      metadata: {},
      transient: { display_id: id },
    };
    void jupyter.broadcast(shown ? "update_display_data" : "display_data", content);
    shown = true;
  };
  const throttled = () => {
    const now = performance.now();
    if (now - last > 500) {
      last = now;
      render();
    }
  };
  return {
    plan(n) {
      t.plan(n);
      render();
    },
    step(label) {
      t.step(label);
      render();
    },
    skip(n, reason) {
      t.skip(n);
      lines.push(`skipped ${n}: ${reason}`);
      render();
    },
    log(text) {
      lines.push(text);
      throttled();
    },
    detail(text) {
      t.detail = text;
      throttled();
    },
    close(ok) {
      if (t.current) t.step("");
      render(
        `${name} ${ok ? "done" : "FAILED"}: ${t.done} configuration(s)${
          t.skipped ? `, ${t.skipped} skipped` : ""
        } in ${formatDuration(t.elapsedS())}`,
      );
    },
  };
}
