/**
 * Configuration of the event-sourcing experiment: what each part covers and how long it runs,
 * with defaults per scale sized so the default run fits about four minutes on two shared
 * cores. Bad values fail with one line prefixed `eventsourcing:`.
 *
 * @module
 */

import { selectBindings } from "../binding.ts";
import type { ExperimentParams } from "../params.ts";
import type { EsBinding } from "./binding.ts";
import { EVENTSOURCING_BINDINGS } from "./bindings.ts";

/** Configuration of the experiment. */
export interface EventSourcingConfig extends ExperimentParams {
  bindings: readonly EsBinding[];
  /** Products in the catalogue (order lines draw them Zipf 0.99) and units each starts with. */
  products: number;
  initialStock: number;
  store: {
    concurrency: number;
    /** Seconds per mode and repetition of the order lifecycle. */
    durationS: number;
    /** Share of lifecycle operations that read an order; share of paid orders cancelled. */
    readShare: number;
    cancelShare: number;
    /** Hot-stream runs: how many products all clients take units of. */
    hotStreams: readonly number[];
    hotDurationS: number;
  };
  feeds: {
    writers: number;
    durationS: number;
    /** Poll interval of the polling feed and of the outbox relay. */
    pollMs: number;
    /** Events per projector batch. */
    batch: number;
    /** Share of placements followed at once by a read of the order's view. */
    ryowShare: number;
    /** Longest wait for a version token before it counts as not found. */
    ryowWaitMs: number;
  };
  rebuild: {
    /** Event counts rebuilt (each projection from scratch). */
    sizes: readonly number[];
    /** Aggregate stream lengths loaded with and without snapshots. */
    lengths: readonly number[];
    snapshotEvery: number;
    loads: number;
    /** Events per batch of a rebuilding projector (larger than a live one's). */
    batch: number;
  };
  faults: { durationS: number; ackWaitMs: number };
  saga: {
    sagas: number;
    concurrency: number;
    declineRate: number;
    /** Gateway timeout rates swept (each a run). */
    timeoutRates: readonly number[];
    /** Share of sagas whose orchestrator dies at a random step (recovered from the log). */
    crashRate: number;
    gatewayMs: number;
    timeoutMs: number;
    /** A saga whose log is quiet this long is taken over by recovery. */
    staleMs: number;
    /** Every saga must end within this long of its start. */
    boundMs: number;
  };
}

function fail(message: string): never {
  throw new Error(`eventsourcing: ${message}`);
}

function int(name: string, v: number, min = 1, max = 1e9) {
  if (!Number.isInteger(v) || v < min || v > max) {
    fail(`${name} must be an integer ${min}..${max}, got ${v}`);
  }
}

function share(name: string, v: number) {
  if (!(v >= 0 && v < 1)) fail(`${name} must be in [0, 1), got ${v}`);
}

function positive(name: string, v: number) {
  if (!(Number.isFinite(v) && v > 0)) fail(`${name} must be > 0, got ${v}`);
}

type Options =
  & Partial<Omit<EventSourcingConfig, "store" | "feeds" | "rebuild" | "faults" | "saga">>
  & {
    engines?: readonly string[];
    store?: Partial<EventSourcingConfig["store"]>;
    feeds?: Partial<EventSourcingConfig["feeds"]>;
    rebuild?: Partial<EventSourcingConfig["rebuild"]>;
    faults?: Partial<EventSourcingConfig["faults"]>;
    saga?: Partial<EventSourcingConfig["saga"]>;
  };

/** Defaults per scale, overridden by `options`; validated. */
export function eventSourcingConfig(
  params: ExperimentParams,
  options: Options = {},
): EventSourcingConfig {
  const quick = params.scale === "quick";
  const large = params.scale === "large";
  const { engines, store, feeds, rebuild, faults, saga, ...rest } = options;
  const c: EventSourcingConfig = {
    ...params,
    bindings: selectBindings("eventsourcing", EVENTSOURCING_BINDINGS, engines),
    products: 1000,
    initialStock: 1_000_000,
    ...rest,
    store: {
      concurrency: 4,
      durationS: quick ? 0.5 : 2,
      readShare: 0.2,
      cancelShare: 0.1,
      hotStreams: quick ? [1, 16] : [1, 4, 64],
      hotDurationS: quick ? 0.4 : 1,
      ...store,
    },
    feeds: {
      writers: 4,
      durationS: quick ? 0.8 : 3,
      pollMs: 20,
      batch: 500,
      ryowShare: 0.3,
      ryowWaitMs: 2000,
      ...feeds,
    },
    rebuild: {
      // 10^6 events take ~3.5 min to rebuild three times here (the default run would pass six
      // minutes): only at the large scale.
      sizes: quick ? [10_000] : large ? [10_000, 100_000, 1_000_000] : [10_000, 100_000],
      lengths: quick ? [10, 1000] : [10, 100, 1000, 10_000],
      snapshotEvery: 100,
      loads: quick ? 5 : 20,
      batch: 5000,
      ...rebuild,
    },
    faults: { durationS: quick ? 1.5 : 3, ackWaitMs: 1000, ...faults },
    saga: {
      sagas: quick ? 150 : 500,
      concurrency: 4,
      declineRate: 0.1,
      timeoutRates: quick ? [0.1] : [0, 0.1, 0.3],
      crashRate: 0.05,
      gatewayMs: 2,
      timeoutMs: 25,
      staleMs: 400,
      boundMs: 3000,
      ...saga,
    },
  };
  int("products", c.products, 2, 1e6);
  int("initialStock", c.initialStock, 1);
  const s = c.store;
  int("store.concurrency", s.concurrency, 1, 256);
  positive("store.durationS", s.durationS);
  share("store.readShare", s.readShare);
  share("store.cancelShare", s.cancelShare);
  if (s.hotStreams.length === 0) fail("store.hotStreams must not be empty");
  s.hotStreams.forEach((h) => int("hot stream count", h, 1, c.products));
  positive("store.hotDurationS", s.hotDurationS);
  const f = c.feeds;
  int("feeds.writers", f.writers, 1, 256);
  positive("feeds.durationS", f.durationS);
  int("feeds.pollMs", f.pollMs, 1, 10_000);
  int("feeds.batch", f.batch, 1, 100_000);
  share("feeds.ryowShare", f.ryowShare);
  int("feeds.ryowWaitMs", f.ryowWaitMs, 1, 60_000);
  const r = c.rebuild;
  if (r.sizes.length === 0) fail("rebuild.sizes must not be empty");
  r.sizes.forEach((n) => int("rebuild size", n, 100, 1e8));
  r.lengths.forEach((n) => int("stream length", n, 1, 1e7));
  int("rebuild.snapshotEvery", r.snapshotEvery, 1, 1e6);
  int("rebuild.loads", r.loads, 1, 10_000);
  int("rebuild.batch", r.batch, 1, 100_000);
  positive("faults.durationS", c.faults.durationS);
  int("faults.ackWaitMs", c.faults.ackWaitMs, 100, 60_000);
  const g = c.saga;
  int("saga.sagas", g.sagas, 1);
  int("saga.concurrency", g.concurrency, 1, 256);
  share("saga.declineRate", g.declineRate);
  g.timeoutRates.forEach((t) => share("saga timeout rate", t));
  share("saga.crashRate", g.crashRate);
  positive("saga.gatewayMs", g.gatewayMs);
  positive("saga.timeoutMs", g.timeoutMs);
  int("saga.staleMs", g.staleMs, 10, 60_000);
  int("saga.boundMs", g.boundMs, g.staleMs, 600_000);
  return c;
}
