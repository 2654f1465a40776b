/**
 * Experiment 01, OLTP throughput: the checkout transaction mixed with order-status reads on
 * a Zipf-skewed catalog, swept over concurrency × isolation on each relational engine,
 * repeated; after every run the stock invariant is checked and its verdict becomes rows.
 *
 * Configuration in, rows out: `oltpThroughput(config)` returns the rows of
 * data/oltp_throughput.csv (running the engines, or replaying the committed file).
 */

import { EngineUnavailable, startEngine } from "../engines/mod.ts";
import type { Engine, EngineName } from "../engines/mod.ts";
import { checkStock } from "../checks/stock.ts";
import { runClosedLoop } from "../load/run.ts";
import { withRetry } from "../load/retry.ts";
import { collectProvenance, type ResultRow, ResultSet } from "../results/mod.ts";
import { createCatalog } from "../workload/generate.ts";
import { createMix } from "../workload/mix.ts";
import { mariadbStore } from "./oltp/mariadb_store.ts";
import { postgresStore } from "./oltp/postgres_store.ts";
import { type Isolation, ISOLATION_LEVELS, type OltpStore } from "./oltp/store.ts";
import { type ExperimentParams, experimentParams, runIdentity, skippedEngine } from "./params.ts";
import { runOrReplay } from "./replay.ts";

/** Experiment id (also the CSV name). */
export const OLTP_EXPERIMENT = "oltp_throughput";

/** Engines the OLTP decision compares. */
export const OLTP_ENGINES = ["postgres", "mariadb", "cockroachdb"] as const;

/** Configuration of the OLTP experiment. */
export interface OltpConfig extends ExperimentParams {
  engines: readonly (typeof OLTP_ENGINES[number])[];
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

/** Defaults per scale: `quick` for tests, the rest for the main job (~5 min at default). */
export function oltpConfig(options: Partial<OltpConfig> = {}): OltpConfig {
  const params = experimentParams(options);
  const quick = params.scale === "quick";
  const config: OltpConfig = {
    ...params,
    engines: OLTP_ENGINES,
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
    ...options,
  };
  for (const e of config.engines) {
    if (!(OLTP_ENGINES as readonly string[]).includes(e)) {
      throw new Error(`oltp: unknown engine "${e}"; use ${OLTP_ENGINES.join(", ")}`);
    }
  }
  for (const i of config.isolation) {
    if (!(ISOLATION_LEVELS as readonly string[]).includes(i)) {
      throw new Error(`oltp: unknown isolation "${i}"; use ${ISOLATION_LEVELS.join(", ")}`);
    }
  }
  for (const c of config.concurrency) {
    if (!Number.isInteger(c) || c < 1 || c > 256) {
      throw new Error(`oltp: concurrency must be an integer 1..256, got ${c}`);
    }
  }
  if (!(config.durationS > 0)) {
    throw new Error(`oltp: durationS must be > 0, got ${config.durationS}`);
  }
  if (!(config.checkoutShare >= 0 && config.checkoutShare <= 1)) {
    throw new Error(`oltp: checkoutShare must be in [0, 1], got ${config.checkoutShare}`);
  }
  return config;
}

function storeFor(engine: Engine): OltpStore {
  return engine.engine === "mariadb"
    ? mariadbStore(engine.primary)
    : postgresStore(engine.primary, { cockroach: engine.engine === "cockroachdb" });
}

/** Rows of data/oltp_throughput.csv: run the sweep, or replay the committed CSV. */
export async function oltpThroughput(options: Partial<OltpConfig> = {}): Promise<ResultRow[]> {
  const config = oltpConfig(options);
  const tables = await runOrReplay([OLTP_EXPERIMENT], config.run, async () => ({
    [OLTP_EXPERIMENT]: await runOltp(config),
  }));
  return tables[OLTP_EXPERIMENT];
}

/** Run the whole sweep against the engines and return its rows (writes nothing). */
export async function runOltp(
  config: OltpConfig,
  log = (line: string) => console.error(line),
): Promise<ResultRow[]> {
  const results = new ResultSet(await collectProvenance());
  const catalog = createCatalog(config.scale, config.seed);
  const mix = createMix({ checkout: config.checkoutShare, order_status: 1 - config.checkoutShare });
  for (const name of config.engines) {
    let engine: Engine;
    try {
      engine = await startEngine({ engine: name as EngineName });
    } catch (err) {
      if (!(err instanceof EngineUnavailable)) throw err;
      log(`oltp: ${err.message}`);
      results.run(runIdentity(OLTP_EXPERIMENT, config, skippedEngine(name), "", 0)).add(
        "skipped",
        1,
        "flag",
        {
          reason: err.message,
        },
      ).end(0);
      continue;
    }
    try {
      const store = storeFor(engine);
      log(`oltp: ${name} ${engine.version} (${engine.provider}): loading ${config.scale} catalog`);
      const loaded = await store.load(catalog, config.initialStock);
      results.run(runIdentity(OLTP_EXPERIMENT, config, engine, engine.settings, 0))
        .add("load_rows", loaded.rows, "count").add("load_time", loaded.seconds, "s").end(
          loaded.seconds,
        );
      for (let repetition = 0; repetition < config.repetitions; repetition++) {
        for (const isolation of config.isolation) {
          for (const concurrency of config.concurrency) {
            const run = results.run(
              runIdentity(OLTP_EXPERIMENT, config, engine, engine.settings, repetition, {
                isolation,
                concurrency,
              }),
            );
            await store.reset();
            await oneRun(name, store, config, mix, isolation, concurrency, repetition, run, log);
            run.end();
          }
        }
      }
    } finally {
      await engine.stop();
    }
  }
  return results.rows();
}

async function oneRun(
  name: string,
  store: OltpStore,
  config: OltpConfig,
  mix: ReturnType<typeof createMix<"checkout" | "order_status">>,
  isolation: Isolation,
  concurrency: number,
  repetition: number,
  run: ReturnType<ResultSet["run"]>,
  log: (line: string) => void,
) {
  const sessions = await Promise.all(
    Array.from({ length: concurrency }, () => store.session(isolation)),
  );
  const { carts, orders } = createCatalog(config.scale, config.seed).scale;
  let committed = 0;
  let outOfStock = 0;
  try {
    const result = await runClosedLoop({
      concurrency,
      durationMs: config.durationS * 1000,
      warmupMs: config.warmupS * 1000,
      seed: config.seed + repetition * 7919 + concurrency,
      progress: config.progress,
      label: `oltp ${name} ${isolation} c=${concurrency} rep ${repetition + 1}`,
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
    if (!verdict.valid) {
      log(
        `oltp: INVARIANT VIOLATED (${name} ${isolation}, c=${concurrency}): ${
          verdict.examples.join("; ")
        }`,
      );
    }
    log(
      `oltp: ${name} ${isolation} c=${concurrency} rep ${repetition + 1}: ${
        result.throughput.toFixed(0)
      } ops/s, p99 ${result.latency.p99.toFixed(1)} ms, ${
        verdict.valid ? "invariant holds" : "INVARIANT VIOLATED"
      }`,
    );
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}
