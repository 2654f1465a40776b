/**
 * PostgreSQL's analytics bindings (heap and BRIN, sharing one server start) and the store in
 * PostgreSQL's dialect that TimescaleDB's binding (./timescaledb.ts) shares: three physical
 * designs of one table.
 *
 * - `heap`: a plain heap with B-tree indexes on what dashboards filter by — time (`ts`), and
 *   event type with time (`type, ts`; orders are 3 % of events).
 * - `brin`: the same heap with only a BRIN index on `ts`. The stream is appended in time
 *   order, so each 128-page block range covers a narrow time span and the index is a few
 *   pages instead of hundreds of megabytes. Chosen over declarative partitioning by day:
 *   partitioning prunes time ranges just as well but every other dashboard here scans all
 *   days anyway, partitions must be created ahead of the data, and at 10^5 rows they would be
 *   tiny; its real win is retention (DROP PARTITION), which this experiment does not measure.
 * - `hypertable` (TimescaleDB): the table as a hypertable in 1-day chunks, chunks compressed
 *   with TimescaleDB's columnar compression (segmented by type, ordered by time).
 *
 * Column order packs fixed-width columns first (no alignment padding).
 *
 * @module
 */

import type pg from "pg";
import type { Answer } from "../../checks/answers.ts";
import { copyIntoPostgres } from "../../engines/postgres/client.ts";
import { connectPostgres } from "../../engines/postgres/client.ts";
import type { Engine } from "../../engines/types.ts";
import type { Catalog } from "../../workload/generate.ts";
import {
  type AnalyticsBinding,
  type AnalyticsStore,
  checkedEvents,
  type LoadStats,
  type QuerySession,
} from "./binding.ts";
import { num, QUERIES, type QueryId, type QueryParams, queryParams } from "./queries.ts";

/**
 * PostgreSQL settings for analytics, each because the default would measure a misconfigured
 * server rather than PostgreSQL (ClickBench's postgresql/install raises the same ones):
 */
export const POSTGRES_SETTINGS = {
  // The 128 MB default cannot hold even the 10^6-row table (~140 MB with indexes).
  shared_buffers: "2GB",
  // Hash aggregates over (customer, product) pairs and DISTINCT sorts stay in memory.
  work_mem: "256MB",
  // Index builds after COPY in memory.
  maintenance_work_mem: "1GB",
  // No checkpoint storm in the middle of a bulk COPY.
  max_wal_size: "8GB",
} as const;

/**
 * The largest size the PostgreSQL-family stores run in the default job: at 10^6 rows their
 * distinct and funnel queries already take seconds, so 10^7 would not fit its minutes.
 */
export const POSTGRES_MAX_ROWS = 1_000_000;

/** PostgreSQL 15, a heap with B-tree indexes on what dashboards filter by. */
export const postgresHeapBinding: AnalyticsBinding = {
  name: "postgres-heap",
  label: "PostgreSQL heap + B-tree",
  engine: "postgres",
  spec: { settings: POSTGRES_SETTINGS },
  inProcess: false,
  maxRows: POSTGRES_MAX_ROWS,
  open: (engine) => Promise.resolve(postgresStore(engine, "heap")),
};

/** PostgreSQL 15, the same heap with one BRIN index on time (same server as the heap). */
export const postgresBrinBinding: AnalyticsBinding = {
  ...postgresHeapBinding,
  name: "postgres-brin",
  label: "PostgreSQL heap + BRIN",
  open: (engine) => Promise.resolve(postgresStore(engine, "brin")),
};

/** The PostgreSQL-family designs. */
export type PostgresDesign = "heap" | "brin" | "hypertable";

const TABLE = "analytics_events";

const CREATE = `
CREATE TABLE ${TABLE} (
  ts timestamptz NOT NULL,
  customer_id int NOT NULL,
  product_id int NOT NULL,
  price_cents int NOT NULL,
  category_id smallint NOT NULL,
  quantity smallint NOT NULL,
  type text NOT NULL,
  device text NOT NULL,
  country text NOT NULL
)`;

const COLUMNS = [
  "ts",
  "customer_id",
  "product_id",
  "price_cents",
  "category_id",
  "quantity",
  "type",
  "device",
  "country",
] as const;

/** Statements run after COPY, per design, before VACUUM ANALYZE. */
const AFTER_LOAD: Record<PostgresDesign, string[]> = {
  heap: [
    `CREATE INDEX ${TABLE}_ts ON ${TABLE} (ts)`,
    `CREATE INDEX ${TABLE}_type_ts ON ${TABLE} (type, ts)`,
  ],
  brin: [`CREATE INDEX ${TABLE}_ts_brin ON ${TABLE} USING brin (ts)`],
  hypertable: [
    `ALTER TABLE ${TABLE} SET (timescaledb.compress, timescaledb.compress_segmentby = 'type',
      timescaledb.compress_orderby = 'ts')`,
    `SELECT count(compress_chunk(c)) FROM show_chunks('${TABLE}') c`,
  ],
};

/** The six queries in PostgreSQL SQL (session time zone UTC). */
export function postgresSql(id: QueryId, p: QueryParams): { text: string; values: unknown[] } {
  switch (id) {
    case "revenue_by_day_category":
      return {
        text: `SELECT to_char(date_trunc('day', ts), 'YYYY-MM-DD') AS day, category_id,
  count(*) AS orders, sum(price_cents::bigint * quantity) AS revenue_cents
FROM ${TABLE} WHERE type = 'order' GROUP BY date_trunc('day', ts), category_id`,
        values: [],
      };
    case "top_products":
      return {
        text: `SELECT product_id, sum(quantity) AS units,
  sum(price_cents::bigint * quantity) AS revenue_cents
FROM ${TABLE} WHERE type = 'order' GROUP BY product_id
ORDER BY revenue_cents DESC, product_id LIMIT $1`,
        values: [p.topN],
      };
    case "weekly_distinct_customers":
      return {
        text: `SELECT to_char(date_trunc('week', ts), 'YYYY-MM-DD') AS week,
  count(DISTINCT customer_id) AS customers
FROM ${TABLE} GROUP BY date_trunc('week', ts)`,
        values: [],
      };
    case "funnel_view_to_order":
      return {
        text: `SELECT count(DISTINCT customer_id) FILTER (WHERE first_view IS NOT NULL) AS viewers,
  count(DISTINCT customer_id) FILTER (WHERE last_order > first_view) AS converters
FROM (
  SELECT customer_id, product_id,
    min(ts) FILTER (WHERE type = 'page_view') AS first_view,
    max(ts) FILTER (WHERE type = 'order') AS last_order
  FROM ${TABLE} GROUP BY customer_id, product_id) pairs`,
        values: [],
      };
    case "p95_basket_by_device":
      return {
        text: `SELECT device, count(*) AS orders,
  percentile_disc(0.95) WITHIN GROUP (ORDER BY price_cents * quantity) AS p95_order_value_cents
FROM ${TABLE} WHERE type = 'order' GROUP BY device`,
        values: [],
      };
    case "recent_hourly_series":
      return {
        text: `SELECT to_char(date_trunc('hour', ts), 'YYYY-MM-DD"T"HH24":00:00Z"') AS hour, type,
  count(*) AS events
FROM ${TABLE} WHERE ts >= $1 AND ts < $2 GROUP BY date_trunc('hour', ts), type`,
        values: [new Date(p.recentFromMs).toISOString(), new Date(p.recentToMs).toISOString()],
      };
  }
}

function toAnswer(id: QueryId, rows: Record<string, unknown>[]): Answer {
  const columns = QUERIES[id].columns;
  const text = new Set(["day", "week", "hour", "type", "device"]);
  return {
    columns,
    rows: rows.map((r) => columns.map((c) => text.has(c) ? String(r[c]) : num(r[c]))),
  };
}

/** A connection set up for analytics: UTC, a bounded statement time. */
async function connect(engine: Engine): Promise<pg.Client> {
  const client = await connectPostgres(engine.primary);
  // A restart for a cold run terminates idle connections; that must not crash the process.
  client.on("error", () => {});
  await client.query(`SET TIME ZONE 'UTC'`);
  await client.query(`SET statement_timeout = '300s'`);
  return client;
}

/** A PostgreSQL-family store on a started engine (postgres or timescaledb), in one design. */
export function postgresStore(engine: Engine, design: PostgresDesign): AnalyticsStore {
  const designInfo: Record<PostgresDesign, Record<string, string>> = {
    heap: { indexes: "btree(ts)+btree(type+ts)" },
    brin: { indexes: "brin(ts)" },
    hypertable: { chunk: "1 day", compression: "segmentby type orderby ts" },
  };
  let admin: pg.Client | undefined;
  const adminClient = async () => admin ??= await connect(engine);
  return {
    design: designInfo[design],
    async load(catalog: Catalog): Promise<LoadStats> {
      const params = queryParams(catalog.scale);
      const c = await adminClient();
      await c.query(`DROP TABLE IF EXISTS ${TABLE}`);
      await c.query(CREATE);
      if (design === "hypertable") {
        await c.query(
          `SELECT create_hypertable('${TABLE}', 'ts', chunk_time_interval => INTERVAL '1 day')`,
        );
      }
      const t0 = performance.now();
      // COPY's CSV reads timestamptz from ISO 8601 text.
      const rows = (function* () {
        for (const e of checkedEvents(catalog, params)) {
          yield { ...e, ts: new Date(e.ts).toISOString() };
        }
      })();
      await copyIntoPostgres(c, TABLE, COLUMNS, rows);
      const ingestS = (performance.now() - t0) / 1000;
      for (const sql of AFTER_LOAD[design]) await c.query(sql);
      // Statistics for the planner and the visibility map for index-only scans.
      await c.query(`VACUUM (ANALYZE) ${TABLE}`);
      const readyS = (performance.now() - t0) / 1000;
      const [{ n }] = (await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${TABLE}`)).rows;
      return { rows: num(n), ingestS, readyS };
    },
    async bytesOnDisk() {
      const c = await adminClient();
      const sql = design === "hypertable"
        ? `SELECT hypertable_size('${TABLE}') AS b`
        : `SELECT pg_total_relation_size('${TABLE}') AS b`;
      const [{ b }] = (await c.query<{ b: string }>(sql)).rows;
      return num(b);
    },
    async makeCold() {
      // shared_buffers survive everything but a restart; external servers cannot be restarted.
      if (engine.provider === "external") return "none(external)";
      await admin?.end().catch(() => {});
      admin = undefined;
      await engine.restart("primary");
      return "restart";
    },
    async session(params: QueryParams): Promise<QuerySession> {
      const client = await connect(engine);
      return {
        async run(id: QueryId): Promise<Answer> {
          const q = postgresSql(id, params);
          return toAnswer(id, (await client.query(q.text, q.values)).rows);
        },
        close: () => client.end().catch(() => {}),
      };
    },
    async close() {
      try {
        const c = await adminClient();
        await c.query(`DROP TABLE IF EXISTS ${TABLE}`);
      } finally {
        await admin?.end().catch(() => {});
        admin = undefined;
      }
    },
  };
}
