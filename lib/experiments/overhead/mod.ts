/**
 * Harness overhead: does lib/load measure the database or itself? In one run on the same
 * private engine, the C tool its users benchmark it with (pgbench select-only with prepared
 * statements; redis-benchmark GET) and the harness doing the same operation with the same
 * number of clients, one operation in flight per client, alternate; each repetition pairs the
 * tool with every harness technique the binding offers, and the CSV holds both sides, the
 * per-repetition ratio and the ratio of means with its 95 % Fieller interval.
 *
 * `./denow task run overhead` writes data/harness_overhead.csv (a complete default run).
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { runClosedLoop } from "../../load/run.ts";
import { collectProvenance, ResultSet, type RunIdentity } from "../../results/mod.ts";
import { ratioOfMeans } from "../../stats/summary.ts";
import { selectBindings, withBinding } from "../binding.ts";
import { type Experiment, loadTicks, type Progress } from "../experiment.ts";
import { type ExperimentParams, runIdentity, skippedEngine } from "../params.ts";
import type { HarnessData, OverheadBinding, Technique } from "./binding.ts";
import { OVERHEAD_BINDINGS } from "./bindings.ts";
import { processCpu } from "../oltp/peers.ts";

/** Experiment id of the rows and CSV name. */
export const OVERHEAD_TABLE = "harness_overhead";

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
  /** The engines (default every binding of ./bindings.ts). */
  bindings: readonly OverheadBinding[];
  /** Technique ids to run (default all the bindings offer). */
  techniques: readonly string[];
}

/** Defaults per scale: `quick` for tests (seconds), `default` for the task (~5 min). */
export function overheadConfig(
  params: ExperimentParams,
  options: Partial<OverheadConfig> & { engines?: readonly string[] } = {},
): OverheadConfig {
  const quick = params.scale === "quick";
  const { engines, ...rest } = options;
  const bindings = selectBindings("harness_overhead", OVERHEAD_BINDINGS, engines);
  const config: OverheadConfig = {
    ...params,
    bindings,
    clients: 4,
    durationS: quick ? 0.5 : 8,
    warmupS: quick ? 0.2 : 1,
    pgScale: quick ? 1 : 10,
    redisKeys: quick ? 10_000 : 100_000,
    techniques: bindings.flatMap((b) => b.techniques.map((t) => t.id)),
    ...rest,
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
  const known = config.bindings.flatMap((b) => b.techniques.map((t) => t.id));
  for (const t of config.techniques) {
    if (!known.includes(t)) {
      throw new Error(`${where}: unknown technique "${t}"; use ${known.join(", ")}`);
    }
  }
  if (config.techniques.length === 0) throw new Error(`${where}: no technique selected`);
  return config;
}

/** The harness-overhead benchmark (calibration of lib/load against the C tools). */
export const overhead: Experiment<OverheadConfig> = {
  id: "overhead",
  title: "harness overhead: pgbench and redis-benchmark beside the load harness",
  notebook: "00-harness-calibration",
  tables: [OVERHEAD_TABLE],
  module: import.meta.url,
  config: overheadConfig,
  run: runOverhead,
};

/** Run the benchmark on every binding and return its rows (writes nothing). */
export async function runOverhead(config: OverheadConfig, progress: Progress) {
  const results = new ResultSet(await collectProvenance());
  const chosen = (b: OverheadBinding) =>
    b.techniques.filter((t) => config.techniques.includes(t.id));
  progress.plan(
    config.bindings.reduce((n, b) => n + config.repetitions * (1 + chosen(b).length), 0),
  );
  for (const side of config.bindings) {
    const techniques = chosen(side);
    if (techniques.length === 0) continue;
    await withBinding(side, {}, (reason) => {
      progress.skip(config.repetitions * (1 + techniques.length), reason);
      results.run(runIdentity(OVERHEAD_TABLE, config, skippedEngine(side.name), "", 0))
        .add("skipped", 1, "flag", { reason }).end(0);
    }, (engine) => measureSide(config, side, techniques, engine, results, progress));
  }
  return { [OVERHEAD_TABLE]: results.rows() };
}

async function measureSide(
  config: OverheadConfig,
  side: OverheadBinding,
  techniques: readonly Technique[],
  engine: Engine,
  results: ResultSet,
  progress: Progress,
) {
  const data: HarnessData = config;
  await side.prepare(engine, data);
  const base = runIdentity(OVERHEAD_TABLE, config, engine, engine.settings, 0);
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
    progress.step(`${side.name} rep ${rep + 1} ${side.op} peer tool`);
    const t = await side.tool(engine, data);
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
    if (t.cpuS !== undefined && t.operations && Number.isFinite(t.cpuS)) {
      tr.add("client_cpu_per_op", t.cpuS / t.operations * 1e6, "us/op");
    }
    tr.end(toolSeconds);
    progress.log(
      `${side.name} rep ${rep + 1} ${t.command}: ${t.throughput.toFixed(0)} ops/s`,
    );
    for (let k = 0; k < techniques.length; k++) {
      const tech = techniques[(k + rep) % techniques.length];
      progress.step(`${side.name} rep ${rep + 1} ${tech.id}`);
      const h = await runTechnique(
        side,
        tech,
        engine,
        config,
        progress,
        rep,
        results,
        base,
        dims,
      );
      harness.get(tech.id)!.push(h);
      progress.log(
        `${side.name} rep ${rep + 1} ${tech.id}: ${h.toFixed(0)} ops/s ` +
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
    progress.log(
      `${side.name} ${tech.id}: ratio of means ${r.ratio.toFixed(3)} ` +
        `[${r.low.toFixed(3)}, ${r.high.toFixed(3)}]`,
    );
  }
}

async function runTechnique(
  side: OverheadBinding,
  tech: Technique,
  engine: Engine,
  config: OverheadConfig,
  progress: Progress,
  rep: number,
  results: ResultSet,
  base: RunIdentity,
  dims: Record<string, number>,
): Promise<number> {
  const load = await tech.open(engine.primary, config.clients, config);
  // The runner's own CPU over the measured window: opened by the first measured operation.
  let cpuAtMeasure: number | undefined;
  const op: typeof load.op = (w, rng, ctx) => {
    if (ctx.measured && cpuAtMeasure === undefined) cpuAtMeasure = processCpu().self;
    return load.op(w, rng, ctx);
  };
  try {
    const r = await runClosedLoop({
      op,
      opName: side.op,
      concurrency: config.clients,
      durationMs: config.durationS * 1000,
      warmupMs: config.warmupS * 1000,
      seed: config.seed + rep,
      progress: loadTicks(progress),
      label: `${side.name} ${tech.id}`,
    });
    if (r.errors > 0) {
      throw new Error(
        `harness_overhead: ${tech.id} had ${r.errors} errors: ${JSON.stringify(r.errorsByClass)}`,
      );
    }
    const run = results.run({
      ...base,
      repetition: rep,
      dims: { ...dims, side: "harness", technique: tech.id, technique_detail: tech.detail },
    });
    run.add("throughput", r.throughput, "ops/s")
      .add("latency_mean", r.latency.mean, "ms")
      .add("latency_p50", r.latency.p50, "ms")
      .add("latency_p99", r.latency.p99, "ms");
    if (cpuAtMeasure !== undefined && r.ops > 0) {
      run.add("client_cpu_per_op", (processCpu().self - cpuAtMeasure) / r.ops * 1e6, "us/op");
    }
    run.end(r.elapsedS);
    return r.throughput;
  } finally {
    await load.close();
  }
}
