/**
 * Experiment 01, OLTP throughput: the checkout transaction mixed with order-status reads on
 * a Zipf-skewed catalog, swept over concurrency × isolation on each bound store, repeated;
 * after every run the stock invariant is checked and its verdict becomes rows.
 *
 * Configuration in, rows out: the `oltp` experiment writes data/oltp_throughput.csv and, from
 * the peer calibration run after each binding's sweep on the same engine (./calibration.ts:
 * the harness beside pgbench and sysbench running the same mix), data/oltp_calibration.csv. It
 * never names an engine: the stores, the isolation levels and the peers each offers come from
 * ./bindings.ts.
 *
 * @module
 */

import { checkStock } from "../../checks/stock.ts";
import { runClosedLoop } from "../../load/run.ts";
import { withRetry } from "../../load/retry.ts";
import { collectProvenance, ResultSet, type RunResults } from "../../results/mod.ts";
import { type Catalog, createCatalog } from "../../workload/generate.ts";
import { createMix } from "../../workload/mix.ts";
import { type Binding, selectBindings, withBinding } from "../binding.ts";
import { type Experiment, loadTicks, type Progress } from "../experiment.ts";
import { type ExperimentParams, runIdentity, skippedEngine } from "../params.ts";
import { type Isolation, ISOLATION_LEVELS, type OltpBinding, type OltpStore } from "./binding.ts";
import { OLTP_BINDINGS } from "./bindings.ts";
import {
  calibrate,
  type CalibrationConfig,
  OLTP_CALIBRATION_TABLE,
  plannedCalibration,
} from "./calibration.ts";

export { OLTP_CALIBRATION_TABLE } from "./calibration.ts";

/** Experiment id of the rows (also the CSV name). */
export const OLTP_TABLE = "oltp_throughput";

/** Configuration of the OLTP experiment. */
export interface OltpConfig extends ExperimentParams, CalibrationConfig {
  /** The stores to compare (default: every binding of ./bindings.ts). */
  bindings: readonly OltpBinding[];
  /** Isolation levels to sweep, where a binding offers them. */
  isolation: readonly Isolation[];
  concurrency: readonly number[];
  /** Measured seconds per run, after warm-up. */
  durationS: number;
  warmupS: number;
  /** Units of stock per product at the start of every run. */
  initialStock: number;
  /** Share of checkouts in the mix (the rest are order-status reads). */
  checkoutShare: number;
  /** Retries of a checkout after serialization failures/deadlocks before it counts as failed. */
  maxRetries: number;
}

function fail(message: string): never {
  throw new Error(`oltp: ${message}`);
}

/** Defaults per scale: `quick` for tests, the rest for the main job (~5 min at default). */
export function oltpConfig(
  params: ExperimentParams,
  options: Partial<OltpConfig> & { engines?: readonly string[] } = {},
): OltpConfig {
  const quick = params.scale === "quick";
  const { engines, ...rest } = options;
  const config: OltpConfig = {
    ...params,
    bindings: selectBindings("oltp", OLTP_BINDINGS, engines),
    isolation: ISOLATION_LEVELS,
    concurrency: quick ? [1, 8] : [1, 4, 16, 64],
    durationS: quick ? 1 : 5,
    warmupS: quick ? 0.3 : 1,
    // Large enough that no product sells out within a run: we measure contention on hot
    // rows, not the cheap early exit of an out-of-stock checkout. (The store test uses a
    // stock of 6 to prove there is no oversell.)
    initialStock: 1_000_000,
    checkoutShare: 0.5,
    maxRetries: 20,
    // Peer calibration after each binding's sweep, on the same engine and data: points where
    // the ADR cites throughput (4 and 16 clients), three rounds for a paired interval; short
    // runs, so the whole experiment stays near 8 minutes at the default scale.
    calibration: quick
      ? {
        points: [{ isolation: "read committed", concurrency: 2 }],
        rounds: 1,
        durationS: 1,
        warmupS: 0.2,
      }
      : {
        points: [
          { isolation: "read committed", concurrency: 4 },
          { isolation: "read committed", concurrency: 16 },
          // Engine on core 0, runner and tools on core 1: does the spread narrow, does the
          // harness catch up with the peers when it no longer competes with the server?
          {
            isolation: "read committed",
            concurrency: 16,
            placement: "split",
            tools: ["harness", "pgbench"],
          },
          {
            isolation: "serializable",
            concurrency: 16,
            tools: ["harness", "pgbench", "sysbench"],
          },
        ],
        rounds: 3,
        durationS: 2,
        warmupS: 1,
      },
    ...rest,
  };
  const names = config.bindings.map((b) => b.name);
  if (new Set(names).size !== names.length) fail(`binding names repeat: ${names.join(", ")}`);
  for (const i of config.isolation) {
    if (!(ISOLATION_LEVELS as readonly string[]).includes(i)) {
      fail(`unknown isolation "${i}"; use ${ISOLATION_LEVELS.join(", ")}`);
    }
  }
  for (const c of config.concurrency) {
    if (!Number.isInteger(c) || c < 1 || c > 256) {
      fail(`concurrency must be an integer 1..256, got ${c}`);
    }
  }
  if (!(config.durationS > 0)) fail(`durationS must be > 0, got ${config.durationS}`);
  const cal = config.calibration;
  if (!Number.isInteger(cal.rounds) || cal.rounds < 0) {
    fail(`calibration.rounds must be an integer >= 0, got ${cal.rounds}`);
  }
  if (!Number.isInteger(cal.durationS) || cal.durationS < 1) {
    fail(`calibration.durationS must be a whole number of seconds >= 1, got ${cal.durationS}`);
  }
  for (const p of cal.points) {
    if (!(ISOLATION_LEVELS as readonly string[]).includes(p.isolation)) {
      fail(`calibration point: unknown isolation "${p.isolation}"`);
    }
    if (!Number.isInteger(p.concurrency) || p.concurrency < 1 || p.concurrency > 256) {
      fail(`calibration point: concurrency must be an integer 1..256, got ${p.concurrency}`);
    }
  }
  if (!(config.checkoutShare >= 0 && config.checkoutShare <= 1)) {
    fail(`checkoutShare must be in [0, 1], got ${config.checkoutShare}`);
  }
  return config;
}

/** The isolation levels a binding runs: the configured ones it offers. */
export function levelsOf(config: OltpConfig, binding: OltpBinding): Isolation[] {
  return config.isolation.filter((i) => binding.isolation.includes(i));
}

/** Configurations the sweep measures for one binding. */
function plannedRuns(config: OltpConfig, binding: OltpBinding): number {
  return config.repetitions * levelsOf(config, binding).length * config.concurrency.length +
    plannedCalibration(config, binding);
}

/** The OLTP experiment (notebook 01). */
export const oltp: Experiment<OltpConfig> = {
  id: "oltp",
  title: "orders store and isolation level under checkout contention",
  notebook: "01-oltp-throughput",
  tables: [OLTP_TABLE, OLTP_CALIBRATION_TABLE],
  module: import.meta.url,
  config: oltpConfig,
  run: runOltp,
};

/** Run the whole sweep against the bound stores and return its rows (writes nothing). */
export async function runOltp(config: OltpConfig, progress: Progress) {
  const provenance = await collectProvenance();
  const results = new ResultSet(provenance);
  const calibration = new ResultSet(provenance);
  const catalog = createCatalog(config.scale, config.seed);
  progress.plan(config.bindings.reduce((n, b) => n + plannedRuns(config, b), 0));
  for (const binding of config.bindings) {
    await withBinding(binding, {}, (reason) => {
      progress.skip(plannedRuns(config, binding), reason);
      skipRow(results, config, binding, reason);
      if (binding.peers?.length) {
        skipRow(calibration, config, binding, reason, OLTP_CALIBRATION_TABLE);
      }
    }, async (engine) => {
      const store = binding.store(engine);
      progress.log(`${binding.name} ${engine.version} (${engine.provider}): loading the catalog`);
      const loaded = await store.load(catalog, config.initialStock);
      results.run(runIdentity(OLTP_TABLE, config, engine, engine.settings, 0))
        .add("load_rows", loaded.rows, "count").add("load_time", loaded.seconds, "s")
        .end(loaded.seconds);
      for (let repetition = 0; repetition < config.repetitions; repetition++) {
        for (const isolation of levelsOf(config, binding)) {
          for (const concurrency of config.concurrency) {
            const label = `${binding.name} ${isolation} c=${concurrency} rep ${repetition + 1}`;
            progress.step(label);
            const run = results.run(
              runIdentity(OLTP_TABLE, config, engine, engine.settings, repetition, {
                isolation,
                concurrency,
              }),
            );
            await store.reset();
            await oneRun(store, config, catalog, isolation, concurrency, repetition, run, {
              label,
              progress,
            });
            run.end();
          }
        }
      }
      // The peers beside the harness, on the same engine and data, after the sweep.
      const violated = await calibrate(
        binding,
        engine,
        store,
        config,
        catalog,
        calibration,
        progress,
      );
      if (violated > 0) {
        progress.log(`${binding.name}: ${violated} calibration run(s) broke the invariant`);
      }
      await store.close();
    });
  }
  if (calibration.rows().length === 0) {
    // No binding with peers was selected (e.g. --engines cockroachdb): say so in the table.
    calibration.run(runIdentity(OLTP_CALIBRATION_TABLE, config, skippedEngine("none"), "", 0))
      .add("skipped", 1, "flag", { reason: "no selected binding names a peer tool" }).end(0);
  }
  return { [OLTP_TABLE]: results.rows(), [OLTP_CALIBRATION_TABLE]: calibration.rows() };
}

function skipRow(
  results: ResultSet,
  config: OltpConfig,
  binding: Binding,
  reason: string,
  table = OLTP_TABLE,
) {
  results.run(runIdentity(table, config, skippedEngine(binding.name), "", 0))
    .add("skipped", 1, "flag", { reason }).end(0);
}

async function oneRun(
  store: OltpStore,
  config: OltpConfig,
  catalog: Catalog,
  isolation: Isolation,
  concurrency: number,
  repetition: number,
  run: RunResults,
  { label, progress }: { label: string; progress: Progress },
) {
  const mix = createMix({ checkout: config.checkoutShare, order_status: 1 - config.checkoutShare });
  const sessions = await Promise.all(
    Array.from({ length: concurrency }, () => store.session(isolation)),
  );
  const { carts, orders } = catalog.scale;
  let committed = 0;
  let outOfStock = 0;
  try {
    const result = await runClosedLoop({
      concurrency,
      durationMs: config.durationS * 1000,
      warmupMs: config.warmupS * 1000,
      seed: config.seed + repetition * 7919 + concurrency,
      progress: loadTicks(progress),
      label,
      op: async (worker, rng, ctx) => {
        const session = sessions[worker];
        const kind = mix.pick(rng);
        ctx.name = kind;
        if (kind === "order_status") {
          await session.orderStatus(rng.int(1, orders));
          return;
        }
        const cart = rng.int(1, carts);
        const outcome = await withRetry(() => session.checkout(cart, 1 + (cart % 1000)), {
          maxRetries: config.maxRetries,
          sink: ctx,
          backoffMs: (n) => Math.min(20, n) * Math.random(),
        });
        if (outcome === "committed") committed++;
        else outOfStock++;
      },
    });
    run.addLoad(result);
    const checkout = result.byOp.checkout;
    if (checkout) {
      const attempts = checkout.ops + checkout.errors + checkout.retries;
      run.add(
        "abort_rate",
        attempts ? (checkout.retries + checkout.errors) / attempts : 0,
        "ratio",
        { op: "checkout" },
      );
      run.add(
        "failure_rate",
        attempts ? checkout.errors / (checkout.ops + checkout.errors) : 0,
        "ratio",
        { op: "checkout" },
      );
    }
    run.add("out_of_stock", outOfStock, "count", { op: "checkout" });
    // Every run is judged: the invariant holds, or the violation is a reported result.
    const verdict = checkStock(await store.snapshot(), committed);
    run.add("invariant_valid", verdict.valid ? 1 : 0, "flag");
    for (const [kind, n] of Object.entries(verdict.violations)) {
      if (n > 0) run.add(`violation_${kind}`, n, "count");
    }
    progress.log(
      `${label}: ${result.throughput.toFixed(0)} ops/s, p99 ${result.latency.p99.toFixed(1)} ms, ${
        verdict.valid ? "invariant holds" : `INVARIANT VIOLATED: ${verdict.examples.join("; ")}`
      }`,
    );
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}
