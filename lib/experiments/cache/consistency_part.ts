/**
 * Consistency under writes (table cache_consistency): each invalidation strategy, repeated, on
 * a cache large enough not to evict (the binding's `unbounded` settings), so staleness comes
 * from the strategy and not from memory pressure. Every run's history is judged by the
 * stale-read detector.
 *
 * @module
 */

import { quantileSorted } from "../../checks/stale_reads.ts";
import { deriveSeed } from "../../workload/rng.ts";
import { createZipf } from "../../workload/zipf.ts";
import { loadTicks } from "../experiment.ts";
import { runIdentity } from "../params.ts";
import type { CacheBinding } from "./binding.ts";
import { type ConsistencyWorkers, runConsistency } from "./consistency.ts";
import { CACHE_CONSISTENCY, cacheIdentity, type CacheRun, withCache } from "./context.ts";

/** Runs the part measures on one binding. */
export function consistencyRuns(ctx: Pick<CacheRun, "config">): number {
  return ctx.config.repetitions * ctx.config.consistency.strategies.length;
}

/** Run every strategy on one binding. */
export async function consistencyPart(ctx: CacheRun, binding: CacheBinding): Promise<void> {
  const c = ctx.config.consistency;
  const planned = consistencyRuns(ctx);
  await withCache(ctx, CACHE_CONSISTENCY, binding, binding.unbounded, planned, async (e, b) => {
    const open = (n: number) => Promise.all(Array.from({ length: n }, () => b.client()));
    const sessions = (n: number) => Promise.all(Array.from({ length: n }, () => ctx.db.session()));
    const workers: ConsistencyWorkers = {
      readerCaches: await open(c.readers),
      readerDbs: await sessions(c.readers),
      writerCaches: await open(c.writers),
      writerDbs: await sessions(c.writers),
    };
    const zipf = createZipf(ctx.catalog.products.length, c.skew);
    try {
      for (let rep = 0; rep < ctx.config.repetitions; rep++) {
        for (const strategy of c.strategies) {
          const label = `${binding.name} ${strategy} rep ${rep + 1}`;
          ctx.progress.step(label);
          const run = ctx.sets[CACHE_CONSISTENCY].run({
            ...runIdentity(
              CACHE_CONSISTENCY,
              ctx.config,
              cacheIdentity(binding, e),
              { ...e.settings },
              rep,
            ),
            dims: {
              strategy,
              ttl_s: strategy === "ttl_only" ? c.ttlS : 0,
              write_rate: c.writeRatePerS,
              skew: c.skew,
            },
          });
          const m = await runConsistency(b, ctx.db, workers, ctx.catalog, {
            strategy,
            ttlS: c.ttlS,
            readers: c.readers,
            writers: c.writers,
            writeRatePerS: c.writeRatePerS,
            durationMs: c.durationS * 1000,
            zipf,
            seed: deriveSeed(ctx.config.seed, `consistency:${rep}`),
            progress: loadTicks(ctx.progress),
            label,
          });
          const v = m.verdict;
          run.addLoad(m.reads);
          run.add("write_throughput", m.writes.throughput, "ops/s", { op: "write" })
            .add("writes", m.writes.ops, "count", { op: "write" })
            .add("write_errors", m.writes.errors, "count", { op: "write" })
            .add("hit_ratio", m.hits + m.misses ? m.hits / (m.hits + m.misses) : 0, "ratio")
            .add("reads_judged", v.reads, "count")
            .add("stale_reads", v.stale, "count")
            .add("stale_rate", v.staleRate, "ratio", { source: "all" })
            .add("future_reads", v.futureReads, "count");
          if (m.writes.latency.count > 0) {
            run.add("latency_p99", m.writes.latency.p99, "ms", { op: "write" });
          }
          for (const [source, t] of Object.entries(v.bySource)) {
            run.add("stale_rate", t.reads ? t.stale / t.reads : 0, "ratio", { source })
              .add("reads_judged", t.reads, "count", { source });
          }
          if (v.stale > 0) {
            run.add("stale_age_p50", quantileSorted(v.agesMs, 0.5), "ms")
              .add("stale_age_p99", quantileSorted(v.agesMs, 0.99), "ms")
              .add("stale_age_max", v.agesMs.at(-1)!, "ms");
          }
          run.end();
          ctx.progress.log(
            `${label}: ${v.reads} reads, ${v.writes} writes, ${v.stale} stale ` +
              `(${(v.staleRate * 100).toFixed(2)} %), max age ${
                (v.agesMs.at(-1) ?? 0).toFixed(0)
              } ms` +
              (v.futureReads ? `, ${v.futureReads} FUTURE READS: ${v.examples.join("; ")}` : ""),
          );
        }
      }
    } finally {
      const all = [...workers.readerCaches, ...workers.writerCaches];
      await Promise.all([
        ...all.map((x) => x.close()),
        ...[...workers.readerDbs, ...workers.writerDbs].map((d) => d.close()),
      ]);
    }
  });
}
