/**
 * InfluxDB's analytics binding and its store: InfluxDB 1.x with its natural schema: one measurement `events`, the
 * low-cardinality dimensions as tags (type, device, country, category_id: 2 × 3 × 11 × 100
 * series at most), everything else as integer fields (customer_id, product_id, price_cents,
 * quantity). Customers and products stay fields: as tags their tens of thousands of values
 * would multiply the series count into the millions, which InfluxDB 1.x's in-memory index is
 * not built for. Queries are InfluxQL over HTTP; loading uses line protocol batches
 * (lib/engines/bulk.ts).
 *
 * Timestamps are written in nanoseconds as `ts_ms · 10^6 + (row index mod 10^6)`: InfluxDB
 * keeps one point per series and timestamp, and several events of one series can share a
 * millisecond; the sub-millisecond offset keeps them all without moving any event out of its
 * millisecond (so out of no hour, day or week).
 *
 * @module
 */

import type { Answer, Cell } from "../../checks/answers.ts";
import { writeIntoInflux } from "../../engines/influxdb/client.ts";
import type { Engine } from "../../engines/types.ts";
import { waitUntil } from "../../engines/runtime/net.ts";
import type { Catalog } from "../../workload/generate.ts";
import {
  type AnalyticsBinding,
  type AnalyticsStore,
  checkedEvents,
  type LoadStats,
  type QuerySession,
} from "./binding.ts";
import {
  isoDay,
  isoHour,
  num,
  QUERIES,
  type QueryId,
  type QueryParams,
  queryParams,
} from "./queries.ts";

const DB = "analytics";
const M = "events";

/**
 * Server settings the store wants ([data] section): snapshot the write cache and fully
 * compact a shard soon after writes stop, so queries and sizes see settled TSM files (as
 * ClickHouse gets OPTIMIZE FINAL and PostgreSQL VACUUM) instead of the in-memory write cache.
 */
export const INFLUX_SETTINGS = {
  "cache-snapshot-write-cold-duration": "1s",
  "compact-full-write-cold-duration": "2s",
};

/** Why InfluxQL cannot answer some queries (recorded as "unsupported", never faked). */
export const INFLUX_UNSUPPORTED: Partial<Record<QueryId, string>> = {
  top_products:
    "InfluxQL groups only by tags and time; product_id is a field (as a tag it would explode series cardinality), and TOP() ranks single points, not per-product sums",
  funnel_view_to_order:
    "needs per-(customer, product) grouping and comparing two event types' times: InfluxQL has no joins and cannot GROUP BY fields",
};

/**
 * Answers InfluxDB gives differently by definition, not by error: its PERCENTILE() takes the
 * ⌊n·p/100 + 0.5⌋-th smallest value (rounded rank) where the other engines take the
 * ⌈n·p/100⌉-th (nearest rank, percentile_disc). The comparison still reports the mismatch; this
 * says why.
 */
export const INFLUX_KNOWN_DIFFERENCES: Partial<Record<QueryId, string>> = {
  p95_basket_by_device:
    "InfluxQL PERCENTILE() uses the rounded rank floor(n·p+0.5), not the nearest rank ceil(n·p); values differ when n·0.95 has a fraction below 0.5 and neighbouring values differ",
};

/**
 * InfluxDB 1.x (Debian's), natural schema. Up to 10^6 rows in the default job: there its
 * exact distinct count already takes seconds.
 */
export const influxdbBinding: AnalyticsBinding = {
  name: "influxdb",
  label: "InfluxDB 1.x",
  engine: "influxdb",
  spec: { settings: INFLUX_SETTINGS },
  inProcess: false,
  maxRows: 1_000_000,
  unsupported: INFLUX_UNSUPPORTED,
  knownDifferences: INFLUX_KNOWN_DIFFERENCES,
  open: (engine) => Promise.resolve(influxStore(engine)),
};

const t = (ms: number) => `${ms}ms`;

/** The queries InfluxQL can express (undefined for those the binding declares unsupported). */
export function influxQl(id: QueryId, p: QueryParams): string | undefined {
  const all = `time >= ${t(p.allFromMs)} AND time < ${t(p.allToMs)}`;
  switch (id) {
    case "revenue_by_day_category":
      // InfluxQL cannot aggregate an expression; a subquery computes it per point first.
      return `SELECT count(r) AS orders, sum(r) AS revenue_cents FROM (
  SELECT price_cents * quantity AS r FROM ${M} WHERE "type" = 'order' AND ${all}
  GROUP BY category_id) WHERE ${all} GROUP BY time(1d), category_id fill(none)`;
    case "weekly_distinct_customers":
      // 7-day buckets are aligned to the epoch (a Thursday); the 4-day offset makes them
      // start on Mondays, as ISO weeks do.
      return `SELECT count(distinct(customer_id)) AS customers FROM ${M} WHERE ${all}
  GROUP BY time(7d, 4d) fill(none)`;
    case "p95_basket_by_device":
      return `SELECT count(v) AS orders, percentile(v, 95) AS p95 FROM (
  SELECT price_cents * quantity AS v FROM ${M} WHERE "type" = 'order' AND ${all}
  GROUP BY device) WHERE ${all} GROUP BY device`;
    case "recent_hourly_series":
      return `SELECT count(customer_id) AS events FROM ${M}
  WHERE time >= ${t(p.recentFromMs)} AND time < ${t(p.recentToMs)}
  GROUP BY time(1h), "type" fill(none)`;
    default:
      return undefined;
  }
}

interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** Runs InfluxQL (POST, so long queries fit) and returns the first statement's series. */
async function influxQuery(url: string, q: string, timeoutMs = 300_000): Promise<InfluxSeries[]> {
  const res = await fetch(`${url}/query`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ db: DB, q, epoch: "ms" }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.json() as {
    error?: string;
    results?: { error?: string; series?: InfluxSeries[] }[];
  };
  const error = body.error ?? body.results?.[0]?.error;
  if (!res.ok || error) throw new Error(`influxdb: ${error ?? res.status}`);
  return body.results?.[0]?.series ?? [];
}

function toAnswer(id: QueryId, series: InfluxSeries[]): Answer {
  const rows: Cell[][] = [];
  for (const s of series) {
    const col = (name: string) => s.columns.indexOf(name);
    for (const v of s.values) {
      const time = num(v[col("time")]);
      switch (id) {
        case "revenue_by_day_category":
          rows.push([
            isoDay(time),
            num(s.tags?.category_id),
            num(v[col("orders")]),
            num(v[col("revenue_cents")]),
          ]);
          break;
        case "weekly_distinct_customers":
          rows.push([isoDay(time), num(v[col("customers")])]);
          break;
        case "p95_basket_by_device":
          rows.push([s.tags?.device ?? "", num(v[col("orders")]), num(v[col("p95")])]);
          break;
        case "recent_hourly_series":
          rows.push([isoHour(time), s.tags?.type ?? "", num(v[col("events")])]);
          break;
        default:
          throw new Error(`influxdb: no answer mapping for ${id}`);
      }
    }
  }
  return { columns: QUERIES[id].columns, rows };
}

/** Line protocol of one event (tags sorted by key, as InfluxDB stores them). */
function line(e: {
  ts: number;
  type: string;
  customer_id: number;
  product_id: number;
  category_id: number;
  price_cents: number;
  quantity: number;
  device: string;
  country: string;
}, i: number): string {
  // ms · 10^6 exceeds 2^53: build the nanosecond timestamp as text.
  const ns = `${e.ts}${String(i % 1_000_000).padStart(6, "0")}`;
  return `${M},category_id=${e.category_id},country=${e.country},device=${e.device},type=${e.type} ` +
    `customer_id=${e.customer_id}i,product_id=${e.product_id}i,price_cents=${e.price_cents}i,` +
    `quantity=${e.quantity}i ${ns}`;
}

async function dirStats(path: string): Promise<{ bytes: number; files: string[] }> {
  let bytes = 0;
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const p = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(p);
      else if (entry.isFile) {
        const st = await Deno.stat(p).catch(() => undefined);
        if (st) {
          // Allocated blocks, not apparent size: the series file is preallocated and sparse.
          bytes += st.blocks !== null ? st.blocks * 512 : st.size;
          files.push(`${p}:${st.size}`);
        }
      }
    }
  };
  try {
    await walk(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return { bytes, files: files.sort() };
}

/** An InfluxDB 1.x store on a started engine. */
export function influxStore(engine: Engine): AnalyticsStore {
  const url = engine.primary.url;
  const dataDir = engine.primary.dataDir;
  const shardDirs = dataDir ? [`${dataDir}/data/${DB}`, `${dataDir}/wal/${DB}`] : [];

  /** Wait until the WAL is snapshotted and compaction has stopped changing the files. */
  async function settle(): Promise<void> {
    if (!dataDir) {
      // A remote server's files are out of reach: give its cold-write timers time to fire.
      await new Promise((r) => setTimeout(r, 10_000));
      return;
    }
    let last = "";
    let stable = 0;
    await waitUntil(async () => {
      const wal = await dirStats(`${dataDir}/wal/${DB}`);
      const data = await dirStats(`${dataDir}/data/${DB}`);
      const key = [...wal.files, ...data.files].join("|");
      const busy = data.files.some((f) => /\.tmp:/.test(f)) ||
        wal.files.some((f) => !f.endsWith(":0"));
      stable = !busy && key === last ? stable + 1 : 0;
      last = key;
      if (stable < 2) throw new Error("influxdb is still snapshotting or compacting");
    }, { timeoutMs: 180_000, intervalMs: 500 });
  }

  return {
    design: { tags: "type+device+country+category_id", precision: "ns" },
    async load(catalog: Catalog): Promise<LoadStats> {
      const params = queryParams(catalog.scale);
      await influxQuery(url, `DROP DATABASE ${DB}`);
      await influxQuery(url, `CREATE DATABASE ${DB}`);
      const t0 = performance.now();
      const lines = (function* () {
        let i = 0;
        for (const e of checkedEvents(catalog, params)) yield line(e, i++);
      })();
      await writeIntoInflux(url, DB, lines, 10_000, "ns");
      const ingestS = (performance.now() - t0) / 1000;
      await settle();
      const readyS = (performance.now() - t0) / 1000;
      const [s] = await influxQuery(
        url,
        `SELECT count(customer_id) AS n FROM ${M} WHERE time >= ${t(params.allFromMs)} AND time < ${
          t(params.allToMs)
        }`,
      );
      return { rows: s ? num(s.values[0][s.columns.indexOf("n")]) : 0, ingestS, readyS };
    },
    async bytesOnDisk() {
      if (shardDirs.length > 0) {
        let total = 0;
        for (const d of shardDirs) total += (await dirStats(d)).bytes;
        return total;
      }
      // Remote: the shards' own accounting.
      const series = await influxQuery(url, `SHOW STATS FOR 'shard'`);
      return series.filter((s) => s.tags?.database === DB)
        .reduce((sum, s) => sum + num(s.values[0][s.columns.indexOf("diskBytes")]), 0);
    },
    async makeCold() {
      // TSM files are memory-mapped: dropping the page cache does not evict mapped pages, a
      // restart unmaps them (and empties the in-memory write cache, already snapshotted).
      if (engine.provider === "external") return "none(external)";
      await engine.restart("primary");
      return "restart";
    },
    session(params: QueryParams): Promise<QuerySession> {
      return Promise.resolve({
        async run(id: QueryId): Promise<Answer> {
          const q = influxQl(id, params);
          // The binding declares these; the sweep never asks.
          if (q === undefined) throw new Error(`influxdb: ${id} is not expressible in InfluxQL`);
          return toAnswer(id, await influxQuery(url, q));
        },
        close: () => Promise.resolve(),
      });
    },
    async close() {
      await influxQuery(url, `DROP DATABASE ${DB}`).catch(() => {});
    },
  };
}
