/**
 * The analytics experiment's database side, one implementation per engine family (ClickHouse
 * SQL, PostgreSQL SQL, InfluxQL), ClickBench style: every store does the same few steps —
 * create and load the event stream, say how many rows and bytes it holds, empty its caches
 * for a cold run, and answer the six queries of ./queries.ts in canonical form (or say why it
 * cannot).
 */

import type { Answer } from "../../checks/answers.ts";
import type { Catalog } from "../../workload/generate.ts";
import { generateEvents } from "../../workload/generate.ts";
import type { Event } from "../../workload/entities.ts";
import { getScale, type Scale } from "../../workload/scales.ts";
import type { QueryId, QueryParams, Unsupported } from "./queries.ts";

/** The stores the experiment compares (engine × physical design). */
export const STORE_NAMES = [
  "chdb",
  "clickhouse-server",
  "postgres-heap",
  "postgres-brin",
  "influxdb",
  "timescaledb",
] as const;

/** Name of a store: an engine with one physical design. */
export type StoreName = typeof STORE_NAMES[number];

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
  /** Run one query; resolves to its canonical answer or to why it cannot be expressed. */
  run(id: QueryId): Promise<Answer | Unsupported>;
  close(): Promise<void>;
}

/** Set-up, queries and measurements of one store. */
export interface AnalyticsStore {
  readonly name: StoreName;
  /** True when the engine runs inside this process (embedded chDB): no server, no network. */
  readonly inProcess: boolean;
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
