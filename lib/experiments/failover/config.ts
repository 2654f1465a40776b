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
import type { DistanceBinding, FailoverBinding, FaultKind } from "./binding.ts";
import { DISTANCE_BINDINGS, FAILOVER_BINDINGS, MULTI_PRIMARY_BINDINGS } from "./bindings.ts";
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
  /** Stores of the distance part (replication through a proxy adding a round trip). */
  distanceBindings: readonly DistanceBinding[];
  distance: {
    /** Round trips swept (ms; whole numbers, ascending). */
    rttsMs: readonly number[];
    /** Client sessions of the commit step and of the write load before the crash. */
    clients: number;
    /** How long each commit level is timed at each round trip (ms). */
    commitMs: number;
    /** Writing before the lag is sampled (ms). */
    warmMs: number;
    /** Lag sampled for this long before the crash (ms), every `lagIntervalMs`. */
    lagWindowMs: number;
    lagIntervalMs: number;
    /** Pause between one session's writes in the crash step (ms). */
    paceMs: number;
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
  options: Partial<Omit<FailoverConfig, "distance">> & {
    engines?: readonly string[];
    distance?: Partial<FailoverConfig["distance"]>;
  } = {},
): FailoverConfig {
  const scale = getScale(params.scale).name;
  const { engines, ...rest } = options;
  // One name may select both a failover binding and a multi-primary one (galera).
  const all: (FailoverBinding | MultiPrimaryBinding | DistanceBinding)[] = [
    ...FAILOVER_BINDINGS,
    ...MULTI_PRIMARY_BINDINGS,
    ...DISTANCE_BINDINGS,
  ];
  if (engines) selectBindings("failover", all, engines); // the one-line error for a bad name
  const named = <B extends { name: string }>(list: readonly B[]) =>
    list.filter((b) => !engines || engines.includes(b.name));
  const config: FailoverConfig = {
    ...params,
    bindings: named(FAILOVER_BINDINGS),
    multiPrimaryBindings: named(MULTI_PRIMARY_BINDINGS),
    distanceBindings: named(DISTANCE_BINDINGS),
    multiPrimary: scale === "quick"
      ? { counters: 3, sessionsPerNode: 2, durationMs: 2500, commits: 200 }
      : { counters: 3, sessionsPerNode: 2, durationMs: 4000, commits: 500 },
    faults: ["kill", "partition"],
    killRounds: scale === "quick" ? 1 : 2,
    // ENGINES.md's fastest measured set (failover in ~5.5 s); Patroni's rule holds:
    // loop_wait + 2 × retry_timeout <= ttl.
    engineOptions: { patroni: { ttl: 6, loopWait: 1, retryTimeout: 2 } },
    ...rest,
    // 1 to 100 ms: a neighbouring zone to another continent. Quick keeps two points.
    distance: {
      rttsMs: scale === "quick" ? [1, 40] : [1, 5, 20, 50, 100],
      clients: 4,
      commitMs: scale === "quick" ? 800 : 1500,
      warmMs: scale === "quick" ? 400 : 600,
      lagWindowMs: scale === "quick" ? 800 : 1500,
      lagIntervalMs: 5,
      paceMs: 4,
      ...rest.distance,
    },
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
  checkDistance(config.distance);
  for (const [k, v] of Object.entries(config.timing)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      fail(`timing.${k} must be > 0, got ${v}`);
    }
  }
  return config;
}

function checkDistance(d: FailoverConfig["distance"]) {
  const r = d.rttsMs;
  if (!Array.isArray(r) || r.length === 0) {
    fail("distance.rttsMs must list at least one round trip");
  }
  r.forEach((x, i) => {
    if (!Number.isInteger(x) || x < 0 || x > 1000) {
      fail(`distance.rttsMs must be whole ms 0..1000, got ${x}`);
    }
    if (i > 0 && x <= r[i - 1]) fail(`distance.rttsMs must ascend, got ${r.join(", ")}`);
  });
  if (!Number.isInteger(d.clients) || d.clients < 1 || d.clients > 32) {
    fail(`distance.clients must be an integer 1..32, got ${d.clients}`);
  }
  for (const k of ["commitMs", "warmMs", "lagWindowMs", "lagIntervalMs", "paceMs"] as const) {
    if (typeof d[k] !== "number" || !Number.isFinite(d[k]) || d[k] <= 0) {
      fail(`distance.${k} must be > 0, got ${d[k]}`);
    }
  }
}
