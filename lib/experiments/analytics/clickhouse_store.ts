/**
 * The analytics store in ClickHouse SQL that two bindings share — embedded chDB (./chdb.ts: in
 * this process, no server, no network hop) and a ClickHouse server over HTTP
 * (./clickhouse_server.ts): the same code path, the same @clickhouse/client, only the
 * connection differs.
 *
 * Design: one MergeTree table ordered by (type, ts). Low-cardinality strings are
 * LowCardinality(String); integers are as narrow as the data allows; compression is the
 * default (LZ4), as in ClickBench. The sorting key puts the 3 % order events together, so the
 * order-only dashboards read only their granules, and keeps time ranges contiguous within a
 * type.
 *
 * @module
 */

import type { ClickHouseClient } from "@clickhouse/client";
import type { Answer } from "../../checks/answers.ts";
import { connectClickHouse } from "../../engines/clickhouse/client.ts";
import type { Engine } from "../../engines/types.ts";
import type { Catalog } from "../../workload/generate.ts";
import type { Event } from "../../workload/entities.ts";
import { num, QUERIES, type QueryId, type QueryParams, queryParams } from "./queries.ts";
import {
  type AnalyticsStore,
  checkedEvents,
  type LoadStats,
  type QuerySession,
} from "./binding.ts";

const TABLE = "analytics_events";

const SCHEMA = `
CREATE TABLE ${TABLE} (
  ts DateTime64(3, 'UTC'),
  type LowCardinality(String),
  customer_id UInt32,
  product_id UInt32,
  category_id UInt16,
  price_cents UInt32,
  quantity UInt8,
  device LowCardinality(String),
  country LowCardinality(String)
) ENGINE = MergeTree ORDER BY (type, ts)`;

const COLUMNS = [
  "ts",
  "type",
  "customer_id",
  "product_id",
  "category_id",
  "price_cents",
  "quantity",
  "device",
  "country",
] as const;

/** Rows per INSERT: chDB materialises each body as one string, so keep it well below 512 MB. */
const BATCH_ROWS = 250_000;

/**
 * One event as a TabSeparated line. Hand-written rather than lib/workload's generic CSV
 * writer: over 10^7 rows the per-field formatter calls cost more than ClickHouse's parsing.
 * `ts` goes as seconds with a millisecond fraction, which DateTime64(3) reads exactly.
 */
function tsvLine(e: Event): string {
  const frac = e.ts % 1000;
  return `${(e.ts - frac) / 1000}.${frac < 10 ? "00" : frac < 100 ? "0" : ""}${frac}\t${e.type}\t` +
    `${e.customer_id}\t${e.product_id}\t${e.category_id}\t${e.price_cents}\t${e.quantity}\t` +
    `${e.device}\t${e.country}\n`;
}

const ms = (t: number) => `fromUnixTimestamp64Milli(toInt64(${t}), 'UTC')`;

/** The six queries in ClickHouse SQL. */
export function clickhouseSql(id: QueryId, p: QueryParams): string {
  switch (id) {
    case "revenue_by_day_category":
      return `SELECT toString(toDate(ts)) AS day, category_id, count() AS orders,
  sum(price_cents * quantity) AS revenue_cents
FROM ${TABLE} WHERE type = 'order' GROUP BY day, category_id`;
    case "top_products":
      return `SELECT product_id, sum(quantity) AS units, sum(price_cents * quantity) AS revenue_cents
FROM ${TABLE} WHERE type = 'order' GROUP BY product_id
ORDER BY revenue_cents DESC, product_id LIMIT ${p.topN}`;
    case "weekly_distinct_customers":
      return `SELECT toString(toMonday(ts)) AS week, uniqExact(customer_id) AS customers
FROM ${TABLE} GROUP BY week`;
    case "funnel_view_to_order":
      // Per (customer, product): did a view come first, and an order after it?
      return `SELECT uniqExactIf(customer_id, views > 0) AS viewers,
  uniqExactIf(customer_id, views > 0 AND orders > 0 AND last_order > first_view) AS converters
FROM (
  SELECT customer_id, product_id,
    countIf(type = 'page_view') AS views, countIf(type = 'order') AS orders,
    minIf(ts, type = 'page_view') AS first_view, maxIf(ts, type = 'order') AS last_order
  FROM ${TABLE} GROUP BY customer_id, product_id)`;
    case "p95_basket_by_device":
      // Nearest rank, spelled out: the ceil(0.95 n)-th smallest value (percentile_disc). The
      // quantile* family interpolates or uses other rank rules.
      return `SELECT device, count() AS orders,
  arrayElement(arraySort(groupArray(price_cents * quantity)), toUInt64(ceil(0.95 * count())))
    AS p95_order_value_cents
FROM ${TABLE} WHERE type = 'order' GROUP BY device`;
    case "recent_hourly_series":
      return `SELECT formatDateTime(toStartOfHour(ts), '%Y-%m-%dT%H:00:00Z') AS hour, type,
  count() AS events
FROM ${TABLE} WHERE ts >= ${ms(p.recentFromMs)} AND ts < ${ms(p.recentToMs)}
GROUP BY hour, type`;
  }
}

/** Turns JSONEachRow objects into a canonical answer (64-bit integers arrive as strings). */
function toAnswer(id: QueryId, rows: Record<string, unknown>[]): Answer {
  const columns = QUERIES[id].columns;
  const text = new Set(["day", "week", "hour", "type", "device"]);
  return {
    columns,
    rows: rows.map((r) => columns.map((c) => text.has(c) ? String(r[c]) : num(r[c]))),
  };
}

/** Settings of every analytics query: bounded, like every loop here. */
const QUERY_SETTINGS = { max_execution_time: 300 };

async function runQuery(
  client: ClickHouseClient,
  id: QueryId,
  p: QueryParams,
): Promise<Answer> {
  const result = await client.query({
    query: clickhouseSql(id, p),
    format: "JSONEachRow",
    clickhouse_settings: QUERY_SETTINGS,
  });
  return toAnswer(id, await result.json<Record<string, unknown>>());
}

/**
 * A ClickHouse store on a started engine: embedded chDB (provider native) or a server
 * (docker/external). chDB allows one session per process, so the store keeps one client for
 * everything and never closes it (the engine owns the session).
 */
export async function clickhouseStore(engine: Engine): Promise<AnalyticsStore> {
  const inProcess = engine.primary.url.startsWith("chdb://");
  const client = await connectClickHouse(engine.primary);
  const command = (query: string) => client.command({ query });
  return {
    design: { order_by: "type+ts", codec: "lz4_default" },
    async load(catalog: Catalog): Promise<LoadStats> {
      const params = queryParams(catalog.scale);
      await command(`DROP TABLE IF EXISTS ${TABLE} SYNC`);
      await command(SCHEMA);
      const t0 = performance.now();
      // INSERT with the rows inline (exec), in batches: the client's insert() streams the
      // body, which chDB's connection then concatenates chunk by chunk — about twice as slow.
      const insert = `INSERT INTO ${TABLE} (${COLUMNS.join(", ")}) FORMAT TabSeparated\n`;
      let body = "";
      let pending = 0;
      const flush = async () => {
        const result = await client.exec({ query: insert + body });
        result.stream.destroy(); // nothing to read; frees the HTTP socket
        body = "";
        pending = 0;
      };
      for (const e of checkedEvents(catalog, params)) {
        body += tsvLine(e);
        if (++pending === BATCH_ROWS) await flush();
      }
      if (pending > 0) await flush();
      const ingestS = (performance.now() - t0) / 1000;
      // Merge the insert batches into one part, as PostgreSQL gets VACUUM ANALYZE and InfluxDB
      // its full compaction: queries and sizes then see the settled table, not insert debris.
      await command(`OPTIMIZE TABLE ${TABLE} FINAL`);
      const readyS = (performance.now() - t0) / 1000;
      const [{ n }] = await (await client.query({
        query: `SELECT count() AS n FROM ${TABLE}`,
        format: "JSONEachRow",
      })).json<{ n: string }>();
      return { rows: num(n), ingestS, readyS };
    },
    async bytesOnDisk() {
      const [{ b }] = await (await client.query({
        query: `SELECT sum(bytes_on_disk) AS b FROM system.parts
WHERE database = currentDatabase() AND table = '${TABLE}' AND active`,
        format: "JSONEachRow",
      })).json<{ b: string }>();
      return num(b);
    },
    async makeCold() {
      // Every cache ClickHouse keeps between queries; versions without one reject it, fine.
      const done: string[] = [];
      for (
        const c of ["MARK", "UNCOMPRESSED", "QUERY CONDITION", "PRIMARY INDEX", "PAGE", "QUERY"]
      ) {
        try {
          await command(`SYSTEM DROP ${c} CACHE`);
          done.push(c.toLowerCase().replace(" ", "_"));
        } catch {
          // not in this version
        }
      }
      return `system_drop_caches(${done.join("+")})`;
    },
    session(params: QueryParams): Promise<QuerySession> {
      // One client serves every concurrent caller: chDB runs each query on its own thread
      // (queryAsync) and the HTTP client keeps a pool of sockets.
      return Promise.resolve({
        run: (id: QueryId) => runQuery(client, id, params),
        close: () => Promise.resolve(),
      });
    },
    async close() {
      await command(`DROP TABLE IF EXISTS ${TABLE} SYNC`).catch(() => {});
      if (!inProcess) await client.close();
    },
  };
}
