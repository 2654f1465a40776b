/**
 * Against the SLO: open-loop searches (latency from the intended start, so a server that
 * falls behind shows in the tail) at rising offered rates, until p99 passes the objective or
 * too many requests fail; the highest rate that kept p99 under it is the binding's headroom.
 * Sweeps run plain, with a catalog being updated, and — in front of the best binding — with
 * the Redis result cache. While products change, every change is followed by searching for
 * the new word it carries until the product is found: that delay is index freshness.
 *
 * @module
 */

import { loadTicks } from "../experiment.ts";
import { type LoadResult, runOpenLoop } from "../../load/run.ts";
import type { SearchProduct, SearchQuery } from "../../workload/search.ts";
import type { CachedStore, SearchStore } from "./binding.ts";
import {
  addRow,
  FRESHNESS,
  HEADROOM,
  identity,
  LATENCY,
  type Live,
  quantile,
  type SearchRun,
} from "./context.ts";

/** How a sweep runs. */
export interface SweepMode {
  cache: boolean;
  updates: boolean;
}

/** What a sweep found. */
export interface Sweep {
  /** Highest offered rate whose p99 stayed under the SLO (0: none did). */
  headroom: number;
  /** Every tested rate passed (the headroom is at least the top rate). */
  capped: boolean;
  /** p99 (ms) at the reference rate, if it was reached. */
  referenceP99?: number;
}

/** Most steps a sweep can take: every rate, plus the reference rate's extra repetitions. */
export function sweepSteps(ctx: Pick<SearchRun, "config">, mode: SweepMode): number {
  const reps = mode.updates ? 0 : ctx.config.repetitions - 1;
  return ctx.config.load.rates.length + reps;
}

const FRESH_QUANTILES = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];

/** A changed copy of a product: its last title word becomes `token`, a word no product has. */
function changed(p: SearchProduct, token: string): SearchProduct {
  const words = p.title.split(" ");
  words[words.length - 1] = token;
  return { ...p, title: words.join(" ") };
}

function tokenQuery(token: string): SearchQuery {
  return {
    id: 0,
    type: "one_word",
    words: [token],
    phrase: false,
    prefix: false,
    filters: {},
    sort: "relevance",
    seedProduct: 0,
  };
}

interface Writer {
  done: Promise<LoadResult>;
  freshness: number[];
  acks: number[];
  notFound: number;
}

/** Change products at `perS` for the window; after each change, search until it shows. */
function startWriter(ctx: SearchRun, writer: SearchStore, durationMs: number, tag: string): Writer {
  const { config } = ctx;
  const w: Writer = {
    done: Promise.resolve({} as LoadResult),
    freshness: [],
    acks: [],
    notFound: 0,
  };
  let n = 0;
  w.done = runOpenLoop({
    label: `updates ${tag}`,
    ratePerSec: config.updates.perS,
    durationMs,
    seed: config.seed,
    maxInFlight: 2,
    spinMs: 0,
    opName: "update",
    op: async (slot, rng) => {
      const p = ctx.products[rng.int(0, ctx.products.length - 1)];
      const token = `zq${tag}${(n++).toString(36)}`;
      const t0 = performance.now();
      await writer.update(changed(p, token), slot);
      const acked = performance.now();
      w.acks.push(acked - t0);
      const q = tokenQuery(token);
      for (;;) {
        const ids = await writer.search(q, config.k, slot);
        const now = performance.now();
        if (ids.includes(p.id)) {
          w.freshness.push(now - t0);
          return;
        }
        if (now - t0 > config.updates.freshnessTimeoutMs) {
          w.notFound++;
          return;
        }
      }
    },
  });
  return w;
}

async function oneRate(
  ctx: SearchRun,
  live: Live,
  store: SearchStore | CachedStore,
  writer: SearchStore | undefined,
  mode: SweepMode,
  rate: number,
  repetition: number,
): Promise<LoadResult> {
  const { config, progress } = ctx;
  const l = config.load;
  const tag = `${live.binding.name.replace(/[^a-z]/g, "")}${rate}r${repetition}${
    mode.cache ? "c" : ""
  }`;
  const w = writer ? startWriter(ctx, writer, (l.durationS + l.warmupS) * 1000, tag) : undefined;
  const cached = "hits" in store ? store : undefined;
  cached?.resetCounters();
  const said = new Map<string, string>();
  const result = await runOpenLoop({
    label: `search ${live.binding.name} ${rate}/s`,
    ratePerSec: rate,
    durationMs: l.durationS * 1000,
    warmupMs: l.warmupS * 1000,
    seed: config.seed + repetition,
    maxInFlight: l.connections,
    // Timers only: the client shares the two cores with the engine, and 1-3 ms of start
    // precision does not matter against a 200 ms objective.
    spinMs: 0,
    progress: loadTicks(progress),
    op: async (slot, rng, op) => {
      const q = ctx.log[ctx.popularity.sample(rng) - 1];
      op.name = q.type;
      // A client deadline: a request that could not even start within 5× the objective is
      // failed (timeout) instead of queued, so an overloaded rate ends on time and counts
      // as a miss through its errors.
      if (performance.now() - op.intendedStartMs > 5 * l.sloMs) {
        throw Object.assign(new Error("client deadline passed before the start"), {
          code: "ETIMEDOUT",
        });
      }
      try {
        await store.search(q, config.k, slot);
      } catch (err) {
        // Keep what the engine said, once per query type, for the rows (the load counts it).
        const text = String(err instanceof Error ? err.message : err).replace(/\s+/g, " ");
        if (!said.has(q.type)) said.set(q.type, text.slice(0, 200));
        throw err;
      }
      return q.type;
    },
  });
  if (w) await w.done;
  const dims = {
    binding: live.binding.name,
    cache: mode.cache ? "on" : "off",
    updates: mode.updates ? "on" : "off",
    rate,
  };
  const settings = mode.cache && ctx.cache
    ? {
      ...live.engine.settings,
      cache: `redis-${ctx.cache.engine.version}`,
      cache_ttl_s: String(config.cacheTtlS),
    }
    : live.engine.settings;
  const run = ctx.sets[LATENCY].run({
    experiment: LATENCY,
    engine: live.engine.engine,
    engine_version: live.engine.version,
    provider: live.engine.provider,
    engine_config: Object.keys(settings).length ? settings : "defaults",
    scale: config.scale,
    seed: config.seed,
    repetition,
    dims,
  }).addLoad(result);
  for (const [op, error] of said) {
    addRow(ctx, HEADROOM, identity(live.engine), live.engine.settings, repetition, {
      ...dims,
      op,
      error,
    }, [["error_seen", 1, "flag"]]);
  }
  if (cached) {
    const total = cached.hits + cached.misses;
    if (total > 0) run.add("cache_hit_ratio", cached.hits / total, "share", { op: "all" });
  }
  run.end();
  if (w) {
    const f = w.freshness;
    const metrics: [string, number, string][] = [
      ["updates", f.length + w.notFound, "count"],
      ["not_found", w.notFound, "count"],
      ["update_ack_p50", quantile(w.acks, 0.5), "ms"],
      ["update_ack_p99", quantile(w.acks, 0.99), "ms"],
    ];
    if (f.length) {
      metrics.push(
        ["freshness_p50", quantile(f, 0.5), "ms"],
        ["freshness_p95", quantile(f, 0.95), "ms"],
        ["freshness_p99", quantile(f, 0.99), "ms"],
        ["freshness_max", quantile(f, 1), "ms"],
      );
    }
    addRow(ctx, FRESHNESS, identity(live.engine), live.engine.settings, repetition, dims, metrics);
    for (const q of FRESH_QUANTILES) {
      if (!f.length) break;
      addRow(ctx, FRESHNESS, identity(live.engine), live.engine.settings, repetition, {
        ...dims,
        q,
      }, [["freshness_cdf", quantile(f, q), "ms"]]);
    }
  }
  return result;
}

function passes(ctx: SearchRun, r: LoadResult): boolean {
  const total = r.ops + r.errors;
  return r.ops > 0 && r.latency.p99 <= ctx.config.load.sloMs &&
    r.errors / total <= ctx.config.load.maxErrorShare;
}

/** One sweep of a binding's store at rising rates; rows in LATENCY, FRESHNESS and HEADROOM. */
export async function sweep(
  ctx: SearchRun,
  live: Live,
  store: SearchStore | CachedStore,
  mode: SweepMode,
): Promise<Sweep> {
  const { config, progress } = ctx;
  const l = config.load;
  const writer = mode.updates ? await live.binding.open(live.engine, 2) : undefined;
  const label = `${live.binding.name}${mode.cache ? " + cache" : ""}${
    mode.updates ? " under updates" : ""
  }`;
  const out: Sweep = { headroom: 0, capped: false };
  let firstMiss = 0;
  let steps = 0;
  try {
    for (const rate of l.rates) {
      progress.step(`${label} at ${rate}/s`);
      steps++;
      const r = await oneRate(ctx, live, store, writer, mode, rate, 0);
      if (rate === l.referenceRate) out.referenceP99 = r.latency.p99;
      const ok = passes(ctx, r);
      progress.log(
        `${label} ${rate}/s: p99 ${r.latency.p99.toFixed(1)} ms, ${r.errors} errors${
          ok ? "" : " (over the SLO)"
        }`,
      );
      if (!ok) {
        firstMiss = rate;
        break;
      }
      out.headroom = rate;
    }
    out.capped = firstMiss === 0;
    // More repetitions at the reference rate (plain and cached sweeps), for an interval.
    const reached = l.rates.indexOf(l.referenceRate) < steps;
    const reps = mode.updates ? 0 : config.repetitions - 1;
    for (let rep = 1; rep <= reps && reached; rep++) {
      progress.step(`${label} at ${l.referenceRate}/s, repetition ${rep + 1}`);
      steps++;
      await oneRate(ctx, live, store, writer, mode, l.referenceRate, rep);
    }
  } finally {
    await writer?.close();
  }
  const skipped = sweepSteps(ctx, mode) - steps;
  if (skipped > 0) progress.skip(skipped, `${label}: sweep ended at the first rate over the SLO`);
  const metrics: [string, number, string][] = [
    ["headroom_rps", out.headroom, "requests/s"],
    ["capped", out.capped ? 1 : 0, "flag"],
    ["slo_ms", l.sloMs, "ms"],
    ["top_rate", l.rates[l.rates.length - 1], "requests/s"],
    ["reference_rate", l.referenceRate, "requests/s"],
  ];
  if (firstMiss) metrics.push(["first_miss_rps", firstMiss, "requests/s"]);
  if (out.referenceP99 !== undefined) metrics.push(["reference_p99", out.referenceP99, "ms"]);
  addRow(ctx, HEADROOM, identity(live.engine), live.engine.settings, 0, {
    binding: live.binding.name,
    cache: mode.cache ? "on" : "off",
    updates: mode.updates ? "on" : "off",
  }, metrics);
  return out;
}

/** The best binding for the cache: the highest headroom among general-purpose indexes. */
export function best(
  results: readonly { live: Live; sweep: Sweep }[],
): { live: Live; sweep: Sweep } | undefined {
  const general = results.filter((r) =>
    !r.live.binding.meantFor || r.live.binding.meantFor.includes("one_word")
  );
  return [...general].sort((a, b) =>
    b.sweep.headroom - a.sweep.headroom ||
    (a.sweep.referenceP99 ?? Infinity) - (b.sweep.referenceP99 ?? Infinity)
  )[0];
}
