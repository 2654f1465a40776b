/**
 * What every experiment is (ClickBench's habit: every system does the same few steps): an id,
 * the tables it writes, a validated configuration built from scale/seed/repetitions, and a run
 * that measures real engines and returns rows. It never names an engine: the engines come
 * from its bindings (./binding.ts), and it never writes files or draws: the runner (lib/runs.ts)
 * writes its tables into a run directory and a notebook or the report shows them.
 *
 * @module
 */

import type { ProgressTick } from "../load/progress.ts";
import type { HistoryRow, ResultRow } from "../results/mod.ts";
import type { ExperimentParams } from "./params.ts";

/** An experiment's result tables by CSV name (without `.csv`). */
export type Tables = Record<string, ResultRow[]>;

/** Recorded histories by name (saved as `<name>.history.csv` beside the tables). */
export type Histories = Record<string, HistoryRow[]>;

/** What a run returns when it also recorded histories a later run can judge again. */
export interface RunOutput {
  tables: Tables;
  histories: Histories;
}

/** True when a run's result carries histories (its `tables` is an object, not rows). */
export function isRunOutput(out: Tables | RunOutput): out is RunOutput {
  return typeof out.tables === "object" && !Array.isArray(out.tables) &&
    typeof (out as RunOutput).histories === "object" &&
    !Array.isArray((out as RunOutput).histories);
}

/** The verdict of judging saved histories again. */
export interface Recheck {
  /** Verdicts compared. */
  checked: number;
  /** One line per verdict that came out differently from the saved one. */
  mismatches: string[];
}

/**
 * How a run reports where it is. The runner shows it as a bar in a terminal, as plain lines in
 * a log, or as one display updated in place in a notebook.
 */
export interface Progress {
  /** How many configurations the run will measure (for "i of n" and the time left). */
  plan(total: number): void;
  /** One configuration begins; `label` says which (engine, mode, clients, repetition). */
  step(label: string): void;
  /** `count` planned configurations will not run (an engine unavailable here). */
  skip(count: number, reason: string): void;
  /** A line worth keeping: a configuration's headline result, a warning, a verdict. */
  log(line: string): void;
  /** Live detail of the running configuration (a load run's counters), shown in place. */
  detail(text: string): void;
}

/** A {@link Progress} that shows nothing (tests, replays). */
export const SILENT: Progress = {
  plan() {},
  step() {},
  skip() {},
  log() {},
  detail() {},
};

/** A load run's tick callback that shows its counters as the progress detail. */
export function loadTicks(progress: Progress): ProgressTick {
  return (s) => progress.detail(`${s.phase} ${s.ops} ops${s.errors ? `, ${s.errors} errors` : ""}`);
}

/** One experiment: configuration in, rows out. */
export interface Experiment<C extends ExperimentParams = ExperimentParams> {
  /** Short id used on the command line (`./denow task run oltp`). */
  readonly id: string;
  /** One line for people. */
  readonly title: string;
  /** The notebook that shows it (file name without `.ipynb`). */
  readonly notebook: string;
  /** The CSV tables it writes, in order. */
  readonly tables: readonly string[];
  /**
   * URL of the module that defines it (`import.meta.url`): its import graph is the code its
   * results depend on, hashed into every run's code fingerprint.
   */
  readonly module: string;
  /** Defaults for the params' scale, overridden by `options`; one-line error on a bad value. */
  config(params: ExperimentParams, options?: Partial<C>): C;
  /** Histories it records (names of `<name>.history.csv`), if any. */
  readonly histories?: readonly string[];
  /**
   * Measure against real engines; returns every table (a table may hold only skip rows), and
   * the recorded histories when the experiment has any.
   */
  run(config: C, progress: Progress): Promise<Tables | RunOutput>;
  /**
   * Judge saved histories again with today's checkers and compare with the saved verdict rows
   * (`./denow task recheck`): the same histories must reach the same verdicts.
   */
  recheck?(histories: Histories, tables: Tables): Recheck | Promise<Recheck>;
}
