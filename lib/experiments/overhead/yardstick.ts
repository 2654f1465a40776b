/**
 * The machine's yardstick: a short fixed calibration taken at the start of every run and kept
 * in its manifest, so figures from different machines or days can be read against each other
 * — `pgbench -S` (select-only, prepared, 4 clients, one thread) on a private PostgreSQL and
 * `redis-benchmark -t get` (4 clients) on a private Redis, each after a discarded first pass
 * (the first run after an engine starts is low). `compare` reads the two runs' yardsticks.
 *
 * @module
 */

import { startEngine } from "../../engines/mod.ts";
import type { Yardstick } from "../../results/rundir.ts";
import { postgresBinding } from "./postgres.ts";
import { redisBinding } from "./redis.ts";
import { pgbenchInit, runPgbench, runRedisBenchmark } from "./tools.ts";

/** The yardstick's fixed settings (changing them makes old yardsticks incomparable). */
export const YARDSTICK = {
  clients: 4,
  pgbenchSeconds: 3,
  redisRequests: 100_000,
  redisKeys: 10_000,
} as const;

/** CPUs this process may run on (its affinity mask, from /proc/self/status). */
export function cpuPlacement(status?: string): string {
  try {
    const text = status ?? Deno.readTextFileSync("/proc/self/status");
    const m = text.match(/^Cpus_allowed_list:\s*(\S+)/m);
    return m ? `cpus ${m[1]}` : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Measure the yardstick. An engine that cannot start here leaves its figure out (the field
 * is absent) rather than failing the run; `log` hears what was measured.
 */
export async function measureYardstick(log: (line: string) => void = () => {}): Promise<Yardstick> {
  const t0 = performance.now();
  const out: Yardstick = {
    measured_at: new Date().toISOString(),
    clients: YARDSTICK.clients,
    placement: cpuPlacement(),
  };
  try {
    // The engines of the overhead experiment's own bindings, where pgbench and
    // redis-benchmark are the peers: the yardstick is that experiment's fixed short run.
    const pg = await startEngine({ engine: postgresBinding.engine, provider: "native" });
    try {
      await pgbenchInit(pg.primary, 1);
      await runPgbench(pg.primary, YARDSTICK.clients, 1); // discarded: first run after start
      out.pgbench_select_tps =
        (await runPgbench(pg.primary, YARDSTICK.clients, YARDSTICK.pgbenchSeconds))
          .throughput;
    } finally {
      await pg.stop();
    }
  } catch (err) {
    log(`yardstick: no pgbench -S figure (${(err as Error).message.split("\n")[0]})`);
  }
  try {
    const redis = await startEngine({ engine: redisBinding.engine, provider: "native" });
    try {
      await runRedisBenchmark(redis.primary, YARDSTICK.clients, YARDSTICK.redisKeys, 20_000);
      out.redis_get_rps = (await runRedisBenchmark(
        redis.primary,
        YARDSTICK.clients,
        YARDSTICK.redisKeys,
        YARDSTICK.redisRequests,
      )).throughput;
    } finally {
      await redis.stop();
    }
  } catch (err) {
    log(`yardstick: no redis-benchmark GET figure (${(err as Error).message.split("\n")[0]})`);
  }
  out.seconds = Math.round((performance.now() - t0) / 100) / 10;
  log(
    `yardstick: pgbench -S ${out.pgbench_select_tps?.toFixed(0) ?? "–"} tps, redis GET ${
      out.redis_get_rps?.toFixed(0) ?? "–"
    } rps (${out.seconds} s)`,
  );
  return out;
}

/**
 * How much faster the machine of `b` is than that of `a` by their yardsticks (geometric mean
 * of the figures both have), or undefined when they share none.
 */
export function yardstickRatio(a?: Yardstick, b?: Yardstick): number | undefined {
  if (!a || !b) return undefined;
  const r: number[] = [];
  if (a.pgbench_select_tps && b.pgbench_select_tps) {
    r.push(b.pgbench_select_tps / a.pgbench_select_tps);
  }
  if (a.redis_get_rps && b.redis_get_rps) r.push(b.redis_get_rps / a.redis_get_rps);
  if (r.length === 0) return undefined;
  return Math.exp(r.reduce((s, x) => s + Math.log(x), 0) / r.length);
}
