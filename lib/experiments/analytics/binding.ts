/**
 * What a store must offer the analytics experiment (its binding interface), ClickBench style:
 * every store does the same few steps — create and load the event stream, say how many rows
 * and bytes it holds, empty its caches for a cold run, and answer the queries of ./queries.ts
 * in canonical form. Each binding declares what it can do (the queries it can express, whether
 * it runs in-process, the largest data size it runs within the default run's minutes) and the
 * experiment (./mod.ts) plans its sweep from those declarations. One binding file per store
 * implements it, in one of three dialects (ClickHouse SQL, PostgreSQL SQL, InfluxQL).
 *
 * @module
 */

import type { Answer } from "../../checks/answers.ts";
import type { Engine } from "../../engines/mod.ts";
import type { Catalog } from "../../workload/generate.ts";
import { generateEvents } from "../../workload/generate.ts";
import type { Event } from "../../workload/entities.ts";
import { getScale, type Scale } from "../../workload/scales.ts";
import type { Binding } from "../binding.ts";
import { QUERY_IDS, type QueryId, type QueryParams } from "./queries.ts";

/** An engine bound to the analytics experiment: one store (engine × physical design). */
export interface AnalyticsBinding extends Binding {
  /** Display name in notebooks and the ADR (e.g. "PostgreSQL heap + BRIN"). */
  readonly label: string;
  /**
   * Queries of ./queries.ts it cannot express, each with why. The sweep does not run them; it
   * records an `unsupported` row with the reason instead (never a faked answer).
   */
  readonly unsupported?: Readonly<Partial<Record<QueryId, string>>>;
  /**
   * Queries it answers differently by definition rather than by error, each with why. The
   * answer check still reports the mismatch; this explains it to readers and tests.
   */
  readonly knownDifferences?: Readonly<Partial<Record<QueryId, string>>>;
  /** True when the engine runs inside this process (embedded chDB): no server, no network. */
  readonly inProcess: boolean;
  /**
   * The largest data size (event rows) it runs within the default run's minutes; larger
   * sizes get a `not_run` row. Undefined: every size.
   */
  readonly maxRows?: number;
  /** Added to its one-line skip reason when its engine cannot run here (what runs instead). */
  readonly skipNote?: string;
  /** The store on a started engine. */
  open(engine: Engine): Promise<AnalyticsStore>;
}

/** The queries a binding can express, in ./queries.ts order. */
export function expressible(binding: AnalyticsBinding): QueryId[] {
  return QUERY_IDS.filter((q) => binding.unsupported?.[q] === undefined);
}

/** What a load took: rows the engine counted afterwards, and time. */
export interface LoadStats {
  /** Rows the engine holds after the load (its own count, not ours). */
  rows: number;
  /** Seconds to stream the rows in (generation included: it is the client's cost too). */
  ingestS: number;
  /** Seconds until the table is ready for dashboards: ingest + indexes/merges/compaction. */
  readyS: number;
}

/** One connection's worth of query running (a concurrency client). */
export interface QuerySession {
  /** Run one query its binding can express; resolves to its canonical answer. */
  run(id: QueryId): Promise<Answer>;
  close(): Promise<void>;
}

/** Set-up, queries and measurements of one store. */
export interface AnalyticsStore {
  /** Settings of the physical design worth recording (sorting key, indexes, chunking). */
  readonly design: Readonly<Record<string, string>>;
  /** (Re)create the events table and load the catalog's event stream. */
  load(catalog: Catalog): Promise<LoadStats>;
  /** Bytes the events occupy on disk, indexes included, after the load settled. */
  bytesOnDisk(): Promise<number>;
  /**
   * Empty the engine's own caches so the next query starts cold; returns what was done
   * (e.g. "restart", "system_drop_caches"). The OS page cache is the caller's business.
   */
  makeCold(): Promise<string>;
  /** A connection for queries with the parameters of the loaded data. */
  session(params: QueryParams): Promise<QuerySession>;
  /** Drop the table and close connections (the engine itself is stopped by its owner). */
  close(): Promise<void>;
}

/**
 * The scale of an analytics data point: the named scale's catalogue and time window with
 * `events` rows. The event count is an experiment parameter, not a new workload scale; the
 * stream stays seeded and deterministic through lib/workload.
 */
export function eventScale(base: Scale | string, events: number): Scale {
  const scale = typeof base === "string" ? getScale(base) : base;
  if (!Number.isInteger(events) || events < 1) {
    throw new Error(`analytics: event rows must be a positive integer, got ${events}`);
  }
  return { ...scale, events };
}

/**
 * The catalogue's event stream, checking on the way that every event lies in the query
 * parameters' all-data range (InfluxQL needs explicit bounds; a silent cut would change
 * answers).
 */
export function* checkedEvents(catalog: Catalog, params: QueryParams): Generator<Event> {
  for (const e of generateEvents(catalog)) {
    if (e.ts < params.allFromMs || e.ts >= params.allToMs) {
      throw new Error(`analytics: event at ${e.ts} lies outside the all-data range`);
    }
    yield e;
  }
}

/**
 * Drops the OS page cache (`sync; echo 3 > /proc/sys/vm/drop_caches`) so a cold run reads
 * from disk. Needs root; returns false (and does nothing) otherwise. Only the benchmark calls
 * it, never a test: it slows every process on the machine for a moment.
 */
export async function dropOsPageCache(): Promise<boolean> {
  try {
    await new Deno.Command("sync").output();
    await Deno.writeTextFile("/proc/sys/vm/drop_caches", "3\n");
    return true;
  } catch {
    return false;
  }
}
