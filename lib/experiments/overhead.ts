/**
 * Harness overhead: does lib/load measure the database or itself? In one run on the same
 * private PostgreSQL and Redis, the C tools (pgbench select-only with prepared statements;
 * redis-benchmark GET) and the harness doing the same operation with the same number of
 * clients, one operation in flight per client, alternate; each repetition pairs the tool
 * with every harness technique, and the CSV holds both sides, the per-repetition ratio and
 * the ratio of means with its 95 % Fieller interval (stats.ratioOfMeans).
 *
 * `./denow task overhead` runs it under the benchmark lock and writes
 * data/harness_overhead.csv. Options: --clients N, --duration S, --repetitions N,
 * --scale quick|default, --technique ID (repeatable). Replay: `harnessOverhead()` without
 * BENCH_RUN reads the committed CSV.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { EngineUnavailable, startEngine } from "../engines/mod.ts";
import { connectRedis } from "../engines/redis/client.ts";
import type { Engine } from "../engines/types.ts";
import { runClosedLoop } from "../load/run.ts";
import {
  collectProvenance,
  type ResultRow,
  ResultSet,
  type RunIdentity,
  type RunResults,
} from "../results/mod.ts";
import { ratioOfMeans } from "../stats/summary.ts";
import { type ExperimentParams, experimentParams, runIdentity, skippedEngine } from "./params.ts";
import { runOrReplay } from "./replay.ts";
import { type Technique, TECHNIQUES } from "./overhead/harness.ts";
import {
  pgbenchInit,
  redisBenchmarkKey,
  runPgbench,
  runRedisBenchmark,
  type ToolResult,
} from "./overhead/tools.ts";

/** Experiment id and CSV name. */
export const OVERHEAD_EXPERIMENT = "harness_overhead";

/** Configuration of the overhead benchmark. */
export interface OverheadConfig extends ExperimentParams {
  /** Clients on both sides (pgbench -c, redis-benchmark -c, harness concurrency). */
  clients: number;
  /** Measured seconds per run. */
  durationS: number;
  /** Harness warm-up seconds (not recorded). */
  warmupS: number;
  /** pgbench -i scale (100 000 accounts per unit). */
  pgScale: number;
  /** Redis keys loaded (redis-benchmark -r). */
  redisKeys: number;
  /** Technique ids to run (default all; see overhead/harness.ts). */
  techniques: readonly string[];
}

/** Defaults per scale: `quick` for tests (seconds), `default` for the task (~5 min). */
export function overheadConfig(options: Partial<OverheadConfig> = {}): OverheadConfig {
  const params = experimentParams(options);
  const quick = params.scale === "quick";
  const config: OverheadConfig = {
    ...params,
    clients: 4,
    durationS: quick ? 0.5 : 8,
    warmupS: quick ? 0.2 : 1,
    pgScale: quick ? 1 : 10,
    redisKeys: quick ? 10_000 : 100_000,
    techniques: TECHNIQUES.map((t) => t.id),
    ...options,
  };
  const where = "harness_overhead";
  if (!Number.isInteger(config.clients) || config.clients < 1 || config.clients > 64) {
    throw new Error(`${where}: clients must be an integer 1..64, got ${config.clients}`);
  }
  if (!(config.durationS > 0)) {
    throw new Error(`${where}: durationS must be > 0, got ${config.durationS}`);
  }
  if (!(config.warmupS >= 0)) {
    throw new Error(`${where}: warmupS must be >= 0, got ${config.warmupS}`);
  }
  if (!Number.isInteger(config.pgScale) || config.pgScale < 1) {
    throw new Error(`${where}: pgScale must be an integer >= 1, got ${config.pgScale}`);
  }
  if (!Number.isInteger(config.redisKeys) || config.redisKeys < 1) {
    throw new Error(`${where}: redisKeys must be an integer >= 1, got ${config.redisKeys}`);
  }
  const known = TECHNIQUES.map((t) => t.id);
  for (const t of config.techniques) {
    if (!known.includes(t)) {
      throw new Error(`${where}: unknown technique "${t}"; use ${known.join(", ")}`);
    }
  }
  if (config.techniques.length === 0) throw new Error(`${where}: no technique selected`);
  return config;
}

/** Rows of data/harness_overhead.csv: run the benchmark, or replay the committed CSV. */
export async function harnessOverhead(options: Partial<OverheadConfig> = {}): Promise<ResultRow[]> {
  const config = overheadConfig(options);
  const tables = await runOrReplay([OVERHEAD_EXPERIMENT], config.run, async () => ({
    [OVERHEAD_EXPERIMENT]: await runOverhead(config),
  }));
  return tables[OVERHEAD_EXPERIMENT];
}

interface Side {
  engine: "postgres" | "redis";
  tool: (e: Engine, c: OverheadConfig) => Promise<ToolResult>;
  prepare: (e: Engine, c: OverheadConfig) => Promise<void>;
}

const SIDES: readonly Side[] = [
  {
    engine: "postgres",
    prepare: (e, c) => pgbenchInit(e.primary, c.pgScale),
    tool: (e, c) => runPgbench(e.primary, c.clients, Math.max(1, Math.round(c.durationS))),
  },
  {
    engine: "redis",
    prepare: async (e, c) => {
      // Every key redis-benchmark -r can draw exists, with its default 3-byte value.
      const client = await connectRedis(e.primary);
      try {
        for (let i = 0; i < c.redisKeys; i += 1000) {
          const p = client.pipeline();
          for (let k = i; k < Math.min(c.redisKeys, i + 1000); k++) {
            p.set(redisBenchmarkKey(k), "xxx");
          }
          await p.exec();
        }
      } finally {
        client.disconnect();
      }
    },
    // redis-benchmark runs a request count, not a time: aim at the configured duration at
    // the rate seen here before (~50k/s); its own rps is what it reports either way.
    tool: (e, c) =>
      runRedisBenchmark(
        e.primary,
        c.clients,
        c.redisKeys,
        Math.max(1000, Math.round(50_000 * c.durationS)),
      ),
  },
];

/** Run the benchmark against PostgreSQL and Redis and return its rows (writes nothing). */
export async function runOverhead(
  config: OverheadConfig,
  log = (line: string) => console.error(line),
): Promise<ResultRow[]> {
  const results = new ResultSet(await collectProvenance());
  for (const side of SIDES) {
    const techniques = TECHNIQUES.filter((t) =>
      t.engine === side.engine && config.techniques.includes(t.id)
    );
    if (techniques.length === 0) continue;
    let engine: Engine;
    try {
      engine = await startEngine({ engine: side.engine });
    } catch (err) {
      if (!(err instanceof EngineUnavailable)) throw err;
      log(`harness_overhead: ${err.message}`);
      results.run(runIdentity(OVERHEAD_EXPERIMENT, config, skippedEngine(side.engine), "", 0))
        .add("skipped", 1, "flag", { reason: err.message }).end(0);
      continue;
    }
    try {
      await side.prepare(engine, config);
      const base = runIdentity(OVERHEAD_EXPERIMENT, config, engine, engine.settings, 0);
      const dims = {
        clients: config.clients,
        pg_scale: config.pgScale,
        redis_keys: config.redisKeys,
      };
      const tool: number[] = [];
      const harness = new Map<string, number[]>(techniques.map((t) => [t.id, []]));
      for (let rep = 0; rep < config.repetitions; rep++) {
        // Tool first, then each technique; the technique order rotates per repetition so no
        // technique always runs right after the tool (drift on a shared machine).
        const toolStart = performance.now();
        const t = await side.tool(engine, config);
        const toolSeconds = (performance.now() - toolStart) / 1000;
        tool.push(t.throughput);
        const tr = results.run({
          ...base,
          repetition: rep,
          dims: {
            ...dims,
            side: "tool",
            technique: t.command.split(" ")[0],
            technique_detail: t.command,
          },
        });
        tr.add("throughput", t.throughput, "ops/s").add("latency_mean", t.latencyMeanMs, "ms");
        if (t.latencyP99Ms !== undefined) tr.add("latency_p99", t.latencyP99Ms, "ms");
        tr.end(toolSeconds);
        log(
          `harness_overhead: ${side.engine} rep ${rep} ${t.command}: ${
            t.throughput.toFixed(0)
          } ops/s`,
        );
        for (let k = 0; k < techniques.length; k++) {
          const tech = techniques[(k + rep) % techniques.length];
          const h = await runTechnique(tech, engine, config, rep, results, base, dims);
          harness.get(tech.id)!.push(h);
          log(
            `harness_overhead: ${side.engine} rep ${rep} ${tech.id}: ${h.toFixed(0)} ops/s ` +
              `(${(h / t.throughput).toFixed(3)} of the tool)`,
          );
          results.run({
            ...base,
            repetition: rep,
            dims: { ...dims, side: "ratio", technique: tech.id, technique_detail: tech.detail },
          }).add("throughput_ratio", h / t.throughput, "ratio").end(0);
        }
      }
      for (const tech of techniques) {
        const r = ratioOfMeans(harness.get(tech.id)!, tool);
        const run = results.run({
          ...base,
          repetition: 0,
          dims: {
            ...dims,
            side: "ratio_of_means",
            technique: tech.id,
            technique_detail: tech.detail,
          },
        });
        run.add("throughput_ratio", r.ratio, "ratio").add("repetitions", tool.length, "count");
        if (Number.isFinite(r.low) && Number.isFinite(r.high)) {
          run.add("throughput_ratio_ci_low", r.low, "ratio").add(
            "throughput_ratio_ci_high",
            r.high,
            "ratio",
          );
        }
        run.end(0);
        log(
          `harness_overhead: ${side.engine} ${tech.id}: ratio of means ${r.ratio.toFixed(3)} ` +
            `[${r.low.toFixed(3)}, ${r.high.toFixed(3)}]`,
        );
      }
    } finally {
      await engine.stop();
    }
  }
  return results.rows();
}

async function runTechnique(
  tech: Technique,
  engine: Engine,
  config: OverheadConfig,
  rep: number,
  results: ResultSet,
  base: RunIdentity,
  dims: Record<string, number>,
): Promise<number> {
  const load = await tech.open(engine.primary, config.clients, config);
  let run: RunResults;
  try {
    const r = await runClosedLoop({
      op: load.op,
      opName: tech.engine === "postgres" ? "pk_select" : "get",
      concurrency: config.clients,
      durationMs: config.durationS * 1000,
      warmupMs: config.warmupS * 1000,
      seed: config.seed + rep,
      progress: config.progress === "silent" ? "silent" : "auto",
      label: `${tech.engine} ${tech.id}`,
    });
    if (r.errors > 0) {
      throw new Error(
        `harness_overhead: ${tech.id} had ${r.errors} errors: ${JSON.stringify(r.errorsByClass)}`,
      );
    }
    run = results.run({
      ...base,
      repetition: rep,
      dims: { ...dims, side: "harness", technique: tech.id, technique_detail: tech.detail },
    });
    run.add("throughput", r.throughput, "ops/s")
      .add("latency_mean", r.latency.mean, "ms")
      .add("latency_p50", r.latency.p50, "ms")
      .add("latency_p99", r.latency.p99, "ms")
      .end(r.elapsedS);
    return r.throughput;
  } finally {
    await load.close();
  }
}

/** Command line: run, write data/harness_overhead.csv, print the ratios. */
async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      clients: { type: "string" },
      duration: { type: "string" },
      repetitions: { type: "string" },
      scale: { type: "string" },
      technique: { type: "string", multiple: true },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${v}"`);
    return n;
  };
  const options: Partial<OverheadConfig> = { run: true };
  const clients = num("clients", values.clients);
  if (clients !== undefined) options.clients = clients;
  const duration = num("duration", values.duration);
  if (duration !== undefined) options.durationS = duration;
  const reps = num("repetitions", values.repetitions);
  if (reps !== undefined) options.repetitions = reps;
  if (values.scale !== undefined) options.scale = values.scale;
  if (values.technique?.length) options.techniques = values.technique;
  const rows = await harnessOverhead(options);
  for (const r of rows) {
    if (r.side === "ratio_of_means" && r.metric === "throughput_ratio") {
      console.log(`${r.engine} ${r.technique}: ${r.value.toFixed(3)} of the C tool`);
    }
  }
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    console.error(msg.startsWith("harness_overhead:") ? msg : `harness_overhead: ${msg}`);
    Deno.exit(1);
  }
}
