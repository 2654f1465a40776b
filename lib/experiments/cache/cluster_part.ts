/**
 * The cluster part (table cache_cluster), for bindings that declare clustering: per repetition
 * (`cluster.repetitions` of the run's, default 1)
 *
 * - join: a cluster of `members` with one backup, `entries` sessions written, the session mix
 *   measured for `baselineS`, then measured again while one more member joins (from its start
 *   to the cluster's migration done); the join time, the engine's migration time, latency and
 *   errors before and during, and entries missing afterwards;
 * - kill: on a cluster of `members + 1` (the joined one for backup count 1, a fresh one for the
 *   others), the last member is SIGKILLed; once the cluster has settled every written key is
 *   read back: entries lost against what the client wrote, and the time to settle.
 *
 * Needs engines we start (a kill of somebody else's member is not ours to do): other
 * providers get a skipped row.
 *
 * @module
 */

import { deriveSeed } from "../../workload/rng.ts";
import { runIdentity } from "../params.ts";
import type { CacheBinding, CacheClient } from "./binding.ts";
import { countFound, loadWindow, type WindowMeasurement, writeEntries } from "./cluster.ts";
import { CACHE_CLUSTER, cacheIdentity, type CacheRun, skipRow, withCache } from "./context.ts";
import { sessionValues } from "./sessions.ts";
import type { Engine } from "../../engines/mod.ts";
import type { ResultSet } from "../../results/mod.ts";

/** Runs the part measures on one binding. */
export function clusterRuns(ctx: Pick<CacheRun, "config">, binding: CacheBinding): number {
  return binding.cluster ? repetitionsOf(ctx) * ctx.config.cluster.backupCounts.length : 0;
}

function repetitionsOf(ctx: Pick<CacheRun, "config">): number {
  return Math.min(ctx.config.repetitions, ctx.config.cluster.repetitions);
}

type Run = ReturnType<ResultSet["run"]>;

function addWindow(run: Run, phase: string, m: WindowMeasurement) {
  run.add("ops", m.ops, "count", { phase })
    .add("errors", m.errors, "count", { phase })
    .add("window", m.seconds, "s", { phase })
    .add("throughput", m.throughput, "ops/s", { phase });
  if (m.latency.count > 0) {
    run.add("latency_p50", m.latency.p50, "ms", { phase })
      .add("latency_p99", m.latency.p99, "ms", { phase })
      .add("latency_max", m.latency.max, "ms", { phase });
  }
}

/** Join and kill runs on one binding (see the module comment). */
export async function clusterPart(ctx: CacheRun, binding: CacheBinding): Promise<void> {
  const control = binding.cluster;
  if (!control) return;
  const k = ctx.config.cluster;
  const entries = sessionValues(ctx.catalog, k.entries);
  const open = async (backend: { client(): Promise<CacheClient> }, n: number) =>
    await Promise.all(Array.from({ length: n }, () => backend.client()));
  const killAndCount = async (
    engine: Engine,
    settled: (e: Engine) => Promise<void>,
    cache: CacheClient,
    written: number,
    rep: number,
    backupCount: number,
  ) => {
    const victim = engine.nodes.at(-1)!.name;
    const label =
      `${binding.name} kill ${victim} of ${engine.nodes.length}, backups ${backupCount}`;
    const t0 = performance.now();
    await engine.kill(victim);
    await settled(engine);
    const recoveryS = (performance.now() - t0) / 1000;
    const found = await countFound(cache, entries);
    const id = runIdentity(
      CACHE_CLUSTER,
      ctx.config,
      cacheIdentity(binding, engine),
      {
        ...engine.settings,
      },
      rep,
      { event: "kill", backup_count: backupCount, members_before: engine.nodes.length },
    );
    ctx.sets[CACHE_CLUSTER].run(id)
      .add("entries_written", written, "count")
      .add("entries_found", found, "count")
      .add("entries_lost", written - found, "count")
      .add("lost_fraction", written ? (written - found) / written : 0, "ratio")
      .add("recovery_time", recoveryS, "s")
      .end();
    ctx.progress.log(
      `${label}: ${written - found}/${written} entries lost, settled in ${recoveryS.toFixed(1)} s`,
    );
  };

  for (let rep = 0; rep < repetitionsOf(ctx); rep++) {
    for (const backupCount of k.backupCounts) {
      // Backup count 1 runs the join first and then kills on the grown cluster; the others
      // start at members + 1 directly.
      const join = backupCount === 1;
      const members = join ? k.members : k.members + 1;
      const spec = control.spec(members, backupCount);
      await withCache(ctx, CACHE_CLUSTER, binding, spec.settings ?? {}, 1, async (engine, b) => {
        ctx.progress.step(`${binding.name} cluster backups ${backupCount} rep ${rep + 1}`);
        if (engine.provider !== "native") {
          skipRow(
            ctx,
            CACHE_CLUSTER,
            binding,
            `${binding.name}: the cluster part kills members, ` +
              `so it runs only on members started here (native), not ${engine.provider}`,
          );
          return;
        }
        const caches = await open(b, k.concurrency);
        try {
          await b.flush();
          const written = await writeEntries(caches[0], entries);
          if (join) {
            const seed = deriveSeed(ctx.config.seed, `cluster:${rep}`);
            const before = await loadWindow(caches, entries, k.readShare, seed, k.baselineS * 1000);
            const t0 = performance.now();
            const joining = control.join(engine);
            const during = await loadWindow(caches, entries, k.readShare, seed + 1, joining);
            const report = await joining;
            const joinS = (performance.now() - t0) / 1000;
            const found = await countFound(caches[0], entries);
            const id = runIdentity(
              CACHE_CLUSTER,
              ctx.config,
              cacheIdentity(binding, engine),
              {
                ...engine.settings,
              },
              rep,
              { event: "join", backup_count: backupCount, members_before: members },
            );
            const run = ctx.sets[CACHE_CLUSTER].run(id)
              .add("join_time", joinS, "s")
              .add("migrations", report.migrations, "count")
              .add("entries_written", written, "count")
              .add("entries_lost", written - found, "count");
            if (Number.isFinite(report.migrationS)) {
              run.add("migration_time", report.migrationS, "s");
            }
            addWindow(run, "before", before);
            addWindow(run, "during", during);
            run.end();
            ctx.progress.log(
              `${binding.name} join ${members}→${members + 1}: ${joinS.toFixed(1)} s, migration ` +
                `${report.migrationS.toFixed(2)} s (${report.migrations} replicas), p99 ` +
                `${before.latency.p99.toFixed(2)} → ${during.latency.p99.toFixed(2)} ms, ` +
                `${during.errors} errors${during.errors ? ` (${during.firstError})` : ""}`,
            );
          }
          await killAndCount(
            engine,
            (e) => control.settled(e),
            caches[0],
            written,
            rep,
            backupCount,
          );
        } finally {
          await Promise.all(caches.map((c) => c.close()));
        }
      }, spec.options);
    }
  }
}
