/**
 * Measuring one analytics store on a started engine, for every data size its binding runs:
 * load and settle the event stream, then each query ClickBench style (one cold run after
 * emptying caches, then hot runs) with every answer checked against the reference store's,
 * then the dashboard mix under concurrent clients. Queries the binding declares it cannot
 * express and sizes above its `maxRows` become rows that say so, never measurements.
 *
 * @module
 */

import { type Answer, compareAnswers } from "../../checks/answers.ts";
import type { Engine } from "../../engines/mod.ts";
import { runClosedLoop } from "../../load/run.ts";
import type { ResultSet, RunResults } from "../../results/mod.ts";
import { createCatalog } from "../../workload/generate.ts";
import { loadTicks, type Progress } from "../experiment.ts";
import { runIdentity } from "../params.ts";
import {
  type AnalyticsBinding,
  type AnalyticsStore,
  dropOsPageCache,
  eventScale,
  type QuerySession,
} from "./binding.ts";
import type { AnalyticsConfig } from "./mod.ts";
import { QUERIES, QUERY_IDS, type QueryId, type QueryParams, queryParams } from "./queries.ts";

/** The reference answers of one data size: the first store's answer for each query. */
export type References = Map<QueryId, { store: string; answer: Answer }>;

/** Everything one store's measurement needs. */
export interface StoreRun {
  /** Experiment id of the rows. */
  experiment: string;
  config: AnalyticsConfig;
  binding: AnalyticsBinding;
  engine: Engine;
  store: AnalyticsStore;
  /** Reference answers by data size, shared by every store of the sweep. */
  references: Map<number, References>;
  results: ResultSet;
  progress: Progress;
}

/** Load, query and drive one store at every size of the sweep; its rows go to `results`. */
export async function measureStore(run: StoreRun): Promise<void> {
  const { config, binding, engine, store, results, progress } = run;
  const name = binding.name;
  const base = { store: name, in_process: binding.inProcess };
  // engine_config is given as a map (engine settings and the store's physical design): the
  // run builder formats it canonically.
  const cfg = { ...engine.settings, ...store.design };
  const id = (repetition: number) => runIdentity(run.experiment, config, engine, cfg, repetition);
  const cap = binding.maxRows ?? Infinity;
  for (const rows of config.rows) {
    if (rows > cap) {
      results.run({ ...id(0), dims: { ...base, rows } })
        .add("not_run", 1, "flag", {
          reason: `above this store's ${cap} rows, to keep the default run within its minutes`,
        }).end(0);
      continue;
    }
    const scale = eventScale(config.scale, rows);
    const catalog = createCatalog(scale, config.seed);
    const params = queryParams(scale);
    const dims = { ...base, rows };

    progress.step(`${name} ${rows} rows: load`);
    progress.log(`${name} ${engine.version} (${engine.provider}): loading ${rows} events`);
    const load = results.run({ ...id(0), dims });
    const loaded = await store.load(catalog);
    const bytes = await store.bytesOnDisk();
    load.add("rows_expected", rows, "count")
      .add("rows_loaded", loaded.rows, "count")
      .add("load_ingest_s", loaded.ingestS, "s")
      .add("load_ready_s", loaded.readyS, "s")
      .add("load_rows_per_s", rows / loaded.readyS, "rows/s")
      .add("bytes_on_disk", bytes, "bytes")
      .add("bytes_per_row", bytes / rows, "bytes/row")
      .end(loaded.readyS);
    progress.log(
      `${name} ${rows} rows: loaded ${loaded.rows} in ${loaded.readyS.toFixed(1)} s, ${
        (bytes / 2 ** 20).toFixed(1)
      } MiB`,
    );

    const refs = run.references.get(rows)!;
    for (const q of QUERY_IDS) {
      const runOf = (rep: number) => results.run({ ...id(rep), dims: { ...dims, query: q } });
      const unsupported = binding.unsupported?.[q];
      if (unsupported !== undefined) {
        // Declared, so not planned: the row records why there is no measurement.
        runOf(0).add("unsupported", 1, "flag", { reason: unsupported }).end(0);
        continue;
      }
      await queryRuns(run, q, params, refs, `${name} ${rows} rows ${q}`, runOf);
    }

    if (rows === config.concurrencyRows) {
      for (const clients of config.concurrency) {
        await concurrentRun(
          run,
          params,
          clients,
          results.run({ ...id(0), dims: { ...dims, clients } }),
        );
      }
    }
  }
}

/** The dashboard mix driven by `clients` closed-loop clients, one session each. */
async function concurrentRun(
  { config, binding, store, progress }: StoreRun,
  params: QueryParams,
  clients: number,
  run: RunResults,
): Promise<void> {
  const label = `${binding.name} ${clients} clients`;
  progress.step(label);
  const sessions = await Promise.all(Array.from({ length: clients }, () => store.session(params)));
  try {
    const result = await runClosedLoop({
      concurrency: clients,
      durationMs: config.durationS * 1000,
      warmupMs: config.warmupS * 1000,
      seed: config.seed + clients,
      progress: loadTicks(progress),
      label: `analytics ${label}`,
      op: async (worker, rng, ctx) => {
        const q = config.mix[rng.int(0, config.mix.length - 1)];
        ctx.name = q;
        await sessions[worker].run(q);
      },
    });
    run.addLoad(result).end();
    progress.log(`${label}: ${result.throughput.toFixed(1)} queries/s`);
  } finally {
    await Promise.all(sessions.map((s) => s.close()));
  }
}

/**
 * One query on one store, ClickBench style: empty the caches (engine and, if allowed, OS),
 * run once (cold), then `hotRuns` times (hot). The cold answer is compared with the
 * reference store's answer for the same data; every hot answer with the cold one.
 */
async function queryRuns(
  { config, binding, store, progress }: StoreRun,
  q: QueryId,
  params: QueryParams,
  refs: References,
  label: string,
  run: (repetition: number) => RunResults,
): Promise<void> {
  const how = await store.makeCold();
  const os = config.dropOsCache && await dropOsPageCache();
  const coldMethod = `${how}${os ? "+os_page_cache_dropped" : ""}`;
  const session: QuerySession = await store.session(params);
  try {
    let first: Answer | undefined;
    for (let attempt = 0; attempt <= config.hotRuns; attempt++) {
      const cold = attempt === 0;
      progress.step(`${label} ${cold ? "cold" : `hot ${attempt}`}`);
      const r = run(cold ? 0 : attempt - 1);
      const t0 = performance.now();
      let outcome: Answer;
      try {
        outcome = await session.run(q);
      } catch (err) {
        const reason = (err as Error).message.split("\n")[0].slice(0, 300);
        r.add("query_error", 1, "flag", { run: cold ? "cold" : "hot", reason }).end();
        progress.log(`${label}: ERROR ${reason}`);
        // The planned runs left of this query will not happen.
        if (attempt < config.hotRuns) progress.skip(config.hotRuns - attempt, `${label}: error`);
        return;
      }
      const ms = performance.now() - t0;
      const dims: Record<string, string> = cold
        ? { run: "cold", cold_method: coldMethod }
        : { run: "hot" };
      r.add("latency", ms, "ms", dims);
      if (cold) {
        first = outcome;
        r.add("result_rows", outcome.rows.length, "count");
        const ref = refs.get(q);
        if (!ref) {
          refs.set(q, { store: binding.name, answer: outcome });
          r.add("answer_reference", 1, "flag");
        } else {
          const v = compareAnswers(ref.answer, outcome, { ordered: QUERIES[q].ordered });
          const detail = v.equal ? "" : v.examples.join("; ").slice(0, 300);
          r.add("answer_match", v.equal ? 1 : 0, "flag", { reference: ref.store, detail });
          if (!v.equal) {
            r.add("answer_mismatched_rows", v.mismatchedRows, "count", { reference: ref.store });
            progress.log(`ANSWER MISMATCH ${binding.name} vs ${ref.store} on ${q}: ${detail}`);
          }
        }
      } else if (first) {
        const v = compareAnswers(first, outcome, { ordered: QUERIES[q].ordered });
        if (!v.equal) r.add("answer_unstable", 1, "flag", { detail: v.examples.join("; ") });
      }
      r.end(ms / 1000);
    }
  } finally {
    await session.close();
  }
}
