/**
 * Harness overhead: does lib/load measure the database or itself? In one run on the same
 * private engine, the C tool its users benchmark it with (pgbench select-only with prepared
 * statements; redis-benchmark GET) and the harness doing the same operation with the same
 * number of clients, one operation in flight per client, run in pairs: each pair is one tool
 * run right beside one technique run, in alternating order (ABBA), so drift of the shared
 * machine falls on both sides of a pair's ratio. The ratio is the paired (geometric-mean)
 * ratio with a 95 % t interval on the log scale; after minRounds, rounds repeat until every
 * technique's interval is within ±targetHalfWidth or maxRounds is reached. The CSV holds both sides of
 * every pair (`pair`, `order`), each pair's ratio, and the paired ratio per technique.
 *
 * `./denow task run overhead` writes data/harness_overhead.csv (a complete default run).
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { runClosedLoop } from "../../load/run.ts";
import { collectProvenance, ResultSet, type RunIdentity } from "../../results/mod.ts";
import { pairedRatio } from "../../stats/paired.ts";
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
  /**
   * Pairs per technique before its interval may end the rounds: an interval from three pairs
   * can be narrow by chance (one came out ±0.005 wide and missed the previous run's
   * interval), so the default waits for five.
   */
  minRounds: number;
  /** Most pairs per technique (the cap), at least minRounds. */
  maxRounds: number;
  /** Half-width of the paired ratio's 95 % interval that is narrow enough to stop. */
  targetHalfWidth: number;
}

/** Defaults per scale: `quick` for tests (seconds), `default` for the task (at most ~7 min). */
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
    durationS: quick ? 0.5 : 2,
    warmupS: quick ? 0.2 : 0.5,
    minRounds: quick ? params.repetitions : Math.max(5, params.repetitions),
    maxRounds: quick ? params.repetitions : Math.max(10, params.repetitions),
    targetHalfWidth: 0.05,
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
  if (!Number.isInteger(config.minRounds) || config.minRounds < 1) {
    throw new Error(`${where}: minRounds must be an integer >= 1, got ${config.minRounds}`);
  }
  if (!Number.isInteger(config.maxRounds) || config.maxRounds < config.minRounds) {
    throw new Error(
      `${where}: maxRounds must be an integer >= minRounds (${config.minRounds}), got ${config.maxRounds}`,
    );
  }
  if (!(config.targetHalfWidth > 0)) {
    throw new Error(`${where}: targetHalfWidth must be > 0, got ${config.targetHalfWidth}`);
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
  // Per technique up to maxRounds pairs of two runs, plus one warm-up run per engine.
  const planned = (b: OverheadBinding) => 1 + 2 * config.maxRounds * chosen(b).length;
  progress.plan(config.bindings.reduce((n, b) => n + planned(b), 0));
  for (const side of config.bindings) {
    const techniques = chosen(side);
    if (techniques.length === 0) continue;
    await withBinding(side, {}, (reason) => {
      progress.skip(planned(side), reason);
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
  // The first run after an engine starts was low every time (issue 19): it warms the engine
  // and is not recorded.
  progress.step(`${side.name} warm-up ${side.op} peer tool`);
  const warm = await side.tool(engine, data);
  progress.log(`${side.name} warm-up run (not recorded): ${warm.throughput.toFixed(0)} ops/s`);
  const pairs = new Map(
    techniques.map((t) => [t.id, { tool: [] as number[], harness: [] as number[] }]),
  );
  let open = [...techniques];
  for (let round = 0; round < config.maxRounds && open.length > 0; round++) {
    for (
      const { item: tech, order } of roundSchedule(open, round, (t) => pairs.get(t.id)!.tool.length)
    ) {
      const pair = { ...dims, pair: tech.id, order };
      const ctx = { side, engine, config, progress, results, base, dims: pair, rep: round };
      let tool: number, harness: number;
      if (pair.order === "tool_first") {
        tool = await runTool(ctx);
        harness = await runTechnique(tech, ctx);
      } else {
        harness = await runTechnique(tech, ctx);
        tool = await runTool(ctx);
      }
      pairs.get(tech.id)!.tool.push(tool);
      pairs.get(tech.id)!.harness.push(harness);
      progress.log(
        `${side.name} round ${round + 1} ${tech.id}: ${harness.toFixed(0)} ops/s, ` +
          `${(harness / tool).toFixed(3)} of the tool beside it`,
      );
      results.run({
        ...base,
        repetition: round,
        dims: { ...pair, side: "ratio", technique: tech.id, technique_detail: tech.detail },
      }).add("throughput_ratio", harness / tool, "ratio").end(0);
    }
    if (round + 1 < config.minRounds) continue;
    const narrow = open.filter((t) => {
      const p = pairs.get(t.id)!;
      return halfWidth(pairedRatio(p.harness, p.tool)) <= config.targetHalfWidth;
    });
    for (const t of narrow) {
      progress.skip(
        2 * (config.maxRounds - round - 1),
        `${side.name} ${t.id}: interval within ±${config.targetHalfWidth} after ${
          round + 1
        } rounds`,
      );
    }
    open = open.filter((t) => !narrow.includes(t));
  }
  if (open.length > 0) {
    progress.log(
      `${side.name}: ${open.map((t) => t.id).join(", ")} still wider than ` +
        `±${config.targetHalfWidth} after ${config.maxRounds} rounds (the cap)`,
    );
  }
  for (const tech of techniques) {
    const p = pairs.get(tech.id)!;
    const r = pairedRatio(p.harness, p.tool);
    const run = results.run({
      ...base,
      repetition: 0,
      dims: {
        ...dims,
        pair: tech.id,
        order: "",
        side: "paired",
        technique: tech.id,
        technique_detail: tech.detail,
      },
    });
    run.add("throughput_ratio", r.ratio, "ratio").add("repetitions", r.n, "count");
    if (Number.isFinite(r.low) && Number.isFinite(r.high)) {
      run.add("throughput_ratio_ci_low", r.low, "ratio")
        .add("throughput_ratio_ci_high", r.high, "ratio")
        .add("throughput_ratio_half_width", halfWidth(r), "ratio");
    }
    run.end(0);
    progress.log(
      `${side.name} ${tech.id}: paired ratio ${r.ratio.toFixed(3)} ` +
        `[${r.low.toFixed(3)}, ${r.high.toFixed(3)}] over ${r.n} pairs`,
    );
  }
}

/**
 * One round's pairs: the technique that goes first rotates with the round, and each
 * technique's own pairs alternate tool-first and harness-first (ABBA) by how many it has
 * run, so slow drift of the shared machine falls on both sides of every ratio. (Alternating
 * by position in the round instead would give a technique the same order every round
 * whenever the round has an even number of techniques.)
 */
export function roundSchedule<T>(
  items: readonly T[],
  round: number,
  pairsSoFar: (item: T) => number,
): { item: T; order: "tool_first" | "harness_first" }[] {
  return items.map((_, k) => {
    const item = items[(k + round) % items.length];
    return { item, order: pairsSoFar(item) % 2 ? "harness_first" : "tool_first" };
  });
}

/** Half-width of a ratio's 95 % interval; Infinity while it has none (one pair). */
function halfWidth(r: { low: number; high: number }): number {
  return Number.isFinite(r.low) && Number.isFinite(r.high) ? (r.high - r.low) / 2 : Infinity;
}

/** What one measured run of a pair needs. */
interface PairContext {
  side: OverheadBinding;
  engine: Engine;
  config: OverheadConfig;
  progress: Progress;
  results: ResultSet;
  base: RunIdentity;
  dims: Record<string, number | string>;
  rep: number;
}

/** One run of the C tool, recorded as the `tool` side of the pair; its throughput. */
async function runTool(c: PairContext): Promise<number> {
  const started = performance.now();
  c.progress.step(`${c.side.name} round ${c.rep + 1} ${c.dims.pair}: ${c.side.op} peer tool`);
  const t = await c.side.tool(c.engine, c.config);
  const run = c.results.run({
    ...c.base,
    repetition: c.rep,
    dims: {
      ...c.dims,
      side: "tool",
      technique: t.command.split(" ")[0],
      technique_detail: t.command,
    },
  });
  run.add("throughput", t.throughput, "ops/s").add("latency_mean", t.latencyMeanMs, "ms");
  if (t.latencyP99Ms !== undefined) run.add("latency_p99", t.latencyP99Ms, "ms");
  if (t.cpuS !== undefined && t.operations && Number.isFinite(t.cpuS)) {
    run.add("client_cpu_per_op", t.cpuS / t.operations * 1e6, "us/op");
  }
  run.end((performance.now() - started) / 1000);
  return t.throughput;
}

/** One run of a harness technique, recorded as the `harness` side of the pair; its throughput. */
async function runTechnique(tech: Technique, c: PairContext): Promise<number> {
  const { side, engine, config, progress, rep, results, base, dims } = c;
  progress.step(`${side.name} round ${rep + 1} ${tech.id}`);
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
