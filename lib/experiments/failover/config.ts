/**
 * Configuration of the failover experiment: which stores, faults and rounds, and the timing of
 * a scenario, with defaults per scale sized so the default run fits about four minutes on two
 * shared cores. Bad values fail with one line prefixed `failover:`.
 *
 * @module
 */

import { selectBindings } from "../binding.ts";
import type { ExperimentParams } from "../params.ts";
import { getScale } from "../../workload/scales.ts";
import type { FailoverBinding, FaultKind } from "./binding.ts";
import { FAILOVER_BINDINGS, MULTI_PRIMARY_BINDINGS } from "./bindings.ts";
import type { MultiPrimaryBinding } from "./galera.ts";
import type { ScenarioTiming } from "./scenario.ts";

/** Configuration of the experiment. */
export interface FailoverConfig extends ExperimentParams {
  bindings: readonly FailoverBinding[];
  /** Multi-primary stores of the read-modify-write part. */
  multiPrimaryBindings: readonly MultiPrimaryBinding[];
  multiPrimary: {
    /** Hot counters incremented. */
    counters: number;
    sessionsPerNode: number;
    /** Length of each read-modify-write variant (ms). */
    durationMs: number;
    /** Single-row commits timed per variant of the commit-cost step. */
    commits: number;
  };
  /** Faults to try (each binding runs those it supports). */
  faults: readonly FaultKind[];
  /** Mode names to run (default every mode of every binding). */
  modes?: readonly string[];
  /** Kill rounds per binding and mode (one engine start serves them all). */
  killRounds: number;
  /** Engine options per binding name, merged into each mode's (Patroni's DCS timers, s). */
  engineOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  timing: ScenarioTiming;
}

const TIMING: ScenarioTiming = {
  warmMs: 1500,
  paceMs: 8,
  failPauseMs: 50,
  writeTimeoutMs: 1000,
  takeoverTimeoutMs: 20_000,
  tailMs: 1500,
  holdMs: 4000,
  settleTimeoutMs: 40_000,
};

function fail(message: string): never {
  throw new Error(`failover: ${message}`);
}

/** Defaults for the scale, with `options` applied and checked. */
export function failoverConfig(
  params: ExperimentParams,
  options: Partial<FailoverConfig> & { engines?: readonly string[] } = {},
): FailoverConfig {
  const scale = getScale(params.scale).name;
  const { engines, ...rest } = options;
  // One name may select both a failover binding and a multi-primary one (galera).
  const all: (FailoverBinding | MultiPrimaryBinding)[] = [
    ...FAILOVER_BINDINGS,
    ...MULTI_PRIMARY_BINDINGS,
  ];
  if (engines) selectBindings("failover", all, engines); // the one-line error for a bad name
  const named = <B extends { name: string }>(list: readonly B[]) =>
    list.filter((b) => !engines || engines.includes(b.name));
  const config: FailoverConfig = {
    ...params,
    bindings: named(FAILOVER_BINDINGS),
    multiPrimaryBindings: named(MULTI_PRIMARY_BINDINGS),
    multiPrimary: scale === "quick"
      ? { counters: 3, sessionsPerNode: 2, durationMs: 2500, commits: 200 }
      : { counters: 3, sessionsPerNode: 2, durationMs: 4000, commits: 500 },
    faults: ["kill", "partition"],
    killRounds: scale === "quick" ? 1 : 2,
    // ENGINES.md's fastest measured set (failover in ~5.5 s); Patroni's rule holds:
    // loop_wait + 2 × retry_timeout <= ttl.
    engineOptions: { patroni: { ttl: 6, loopWait: 1, retryTimeout: 2 } },
    ...rest,
    timing: {
      ...TIMING,
      ...(scale === "quick" ? { warmMs: 800, tailMs: 800, holdMs: 2000 } : {}),
      ...rest.timing,
    },
  };
  if (!Number.isInteger(config.killRounds) || config.killRounds < 1 || config.killRounds > 10) {
    fail(`killRounds must be an integer 1..10, got ${config.killRounds}`);
  }
  for (const f of config.faults) {
    if (f !== "kill" && f !== "partition") fail(`unknown fault "${f}" (kill, partition)`);
  }
  for (const [k, v] of Object.entries(config.timing)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      fail(`timing.${k} must be > 0, got ${v}`);
    }
  }
  return config;
}
