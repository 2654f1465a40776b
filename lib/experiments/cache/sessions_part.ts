/**
 * The session store (table cache_sessions): a read-mostly load per persistence configuration
 * the binding declares, and what a restart loses — a clean restart and a crash (SIGKILL) —
 * counted on the engine and by reading a sample back. Restarts need an engine we started
 * (native or docker); an external one is measured under load only.
 *
 * @module
 */

import { deriveSeed } from "../../workload/rng.ts";
import { loadTicks } from "../experiment.ts";
import { runIdentity } from "../params.ts";
import type { CacheBinding } from "./binding.ts";
import { CACHE_SESSIONS, cacheIdentity, type CacheRun, withCache } from "./context.ts";
import { type RestartKind, runRestartLoss, runSessionLoad, sessionValues } from "./sessions.ts";

/** Runs the part measures on one binding. */
export function sessionRuns(ctx: Pick<CacheRun, "config">, binding: CacheBinding): number {
  return binding.persistence.length * ctx.config.repetitions;
}

/** Load and restart loss for every persistence configuration of one binding. */
export async function sessionsPart(ctx: CacheRun, binding: CacheBinding): Promise<void> {
  const s = ctx.config.sessions;
  const values = sessionValues(ctx.catalog, Math.max(s.count, s.restartCount));
  for (const { id: persistence, settings, options } of binding.persistence) {
    const planned = ctx.config.repetitions;
    await withCache(ctx, CACHE_SESSIONS, binding, settings, planned, async (engine, backend) => {
      for (let rep = 0; rep < ctx.config.repetitions; rep++) {
        const label = `${binding.name} sessions ${persistence} rep ${rep + 1}`;
        ctx.progress.step(label);
        const id = runIdentity(
          CACHE_SESSIONS,
          ctx.config,
          cacheIdentity(binding, engine),
          { ...engine.settings },
          rep,
        );
        const run = ctx.sets[CACHE_SESSIONS].run({ ...id, dims: { persistence } });
        const caches = await Promise.all(
          Array.from({ length: s.concurrency }, () => backend.client()),
        );
        let m;
        try {
          m = await runSessionLoad(backend, caches, {
            sessions: values.slice(0, s.count),
            ttlS: s.ttlS,
            readShare: s.readShare,
            concurrency: s.concurrency,
            durationMs: s.durationS * 1000,
            seed: deriveSeed(ctx.config.seed, `sessions:${rep}`),
            progress: loadTicks(ctx.progress),
            label,
          });
        } finally {
          await Promise.all(caches.map((c) => c.close()));
        }
        run.addLoad(m.load);
        run.add("sessions", s.count, "count").add("missing_reads", m.missingReads, "count");
        if (Number.isFinite(m.bytesPerSession)) {
          run.add("bytes_per_session", m.bytesPerSession, "bytes");
        }
        if (Number.isFinite(m.clientCpuUsPerOp)) {
          run.add("client_cpu_per_op", m.clientCpuUsPerOp, "us/op");
        }
        run.end();
        ctx.progress.log(
          `${label}: ${m.load.throughput.toFixed(0)} ops/s, p99 ${
            m.load.latency.p99.toFixed(2)
          } ms, ${m.bytesPerSession.toFixed(0)} B/session`,
        );
        if (engine.provider === "external") continue; // we never restart what we did not start
        for (const kind of ["clean", "crash"] as RestartKind[]) {
          const r = await runRestartLoss(
            engine,
            backend,
            await backend.client(),
            () => backend.client(),
            values.slice(0, s.restartCount),
            s.ttlS,
            kind,
            s.restartSample,
            deriveSeed(ctx.config.seed, `restart:${rep}:${kind}`),
          );
          ctx.sets[CACHE_SESSIONS].run({ ...id, dims: { persistence, restart: kind } })
            .add("sessions_before", r.before, "count")
            .add("sessions_after", r.after, "count")
            .add("lost_fraction", r.before ? 1 - r.after / r.before : 0, "ratio")
            .add("sample_found_fraction", r.sampled ? r.sampleFound / r.sampled : 0, "ratio")
            .add("restart_time", r.restartS, "s")
            .end();
          ctx.progress.log(
            `${binding.name} sessions ${persistence} ${kind} restart: ${r.after}/${r.before} kept, ` +
              `sample ${r.sampleFound}/${r.sampled}`,
          );
        }
      }
    }, options);
  }
}
