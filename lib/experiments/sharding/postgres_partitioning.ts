/**
 * Partitioning inside PostgreSQL (the partitioning capability of ./postgres.ts): declarative
 * range partitioning against one heap with a B-tree on the same time column, plans read from
 * `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`, bloat from `pgstattuple`, WAL from LSN
 * differences, and partition maintenance by pg_partman 4.7 (`create_parent`,
 * `run_maintenance`).
 *
 * @module
 */

import type pg from "pg";
import { connectPostgres, copyIntoPostgres } from "../../engines/postgres/client.ts";
import type { EngineNode } from "../../engines/mod.ts";
import type { Rng } from "../../workload/rng.ts";
import type {
  Layout,
  MaintenanceFacts,
  PartitionStore,
  PlanFacts,
  RetentionFacts,
  TimeTable,
} from "./binding.ts";

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const plain = (t: TimeTable) => `${t.name}_plain`;
const part = (t: TimeTable) => `${t.name}_part`;
const staging = (t: TimeTable) => `${t.name}_staging`;
const columnList = (t: TimeTable) => t.columns.map(([c]) => c).join(", ");
const columnDefs = (t: TimeTable) => t.columns.map(([c, type]) => `${c} ${type}`).join(", ");
const isTime = (type: string) => /timestamp/.test(type);
/** Staging keeps times as epoch ms (a shorter COPY, no date formatting in the client). */
const stagingDefs = (t: TimeTable) =>
  t.columns.map(([c, type]) => `${c} ${isTime(type) ? "bigint" : type.replace(" NOT NULL", "")}`)
    .join(", ");
/** The staged columns as the real tables take them. */
const stagedSelect = (t: TimeTable) =>
  t.columns.map(([c, type]) => (isTime(type) ? `to_timestamp(${c} / 1000.0) AS ${c}` : c)).join(
    ", ",
  );

/** Walk a JSON plan: relations scanned and the plan's own buffer counts. */
function planFacts(json: unknown, rows: number): PlanFacts {
  const [top] = json as {
    Plan: Record<string, unknown>;
    "Planning Time": number;
    "Execution Time": number;
  }[];
  const relations = new Set<string>();
  const walk = (node: Record<string, unknown>) => {
    if (typeof node["Relation Name"] === "string") relations.add(node["Relation Name"]);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk(top.Plan);
  return {
    partitionsScanned: relations.size,
    buffers: Number(top.Plan["Shared Hit Blocks"] ?? 0) +
      Number(top.Plan["Shared Read Blocks"] ?? 0),
    planningMs: top["Planning Time"],
    executionMs: top["Execution Time"] ?? 0,
    rows,
  };
}

/** A {@link PartitionStore} on a PostgreSQL server. */
export async function postgresPartitionStore(node: EngineNode): Promise<PartitionStore> {
  const c = await connectPostgres(node);
  // A second session with plan-time and run-time pruning off: the same partitions, scanned all.
  const noPrune = await connectPostgres(node);
  await noPrune.query("SET enable_partition_pruning = off");
  await c.query("CREATE EXTENSION IF NOT EXISTS pgstattuple");
  const session = (layout: Layout) => (layout === "partitioned_no_pruning" ? noPrune : c);
  const target = (t: TimeTable, layout: Layout) => (layout === "plain" ? plain(t) : part(t));
  const rangeSql = (t: TimeTable, layout: Layout) =>
    `SELECT count(*) AS n, sum(${t.sumColumn}) AS s FROM ${
      target(t, layout)
    } WHERE ${t.timeColumn} >= $1 AND ${t.timeColumn} < $2`;
  const one = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
    (await c.query<R>(sql, params)).rows[0];
  const num = async (sql: string, params: unknown[] = []) =>
    Number(Object.values(await one(sql, params))[0] ?? 0);
  const partitionsOf = async (parent: string): Promise<string[]> =>
    (await c.query<{ relid: string }>(
      `SELECT relid::text FROM pg_partition_tree($1) WHERE isleaf ORDER BY relid::text`,
      [parent],
    )).rows.map((r: { relid: string }) => r.relid);
  const totalBytes = (parent: string) =>
    num(`SELECT coalesce(sum(pg_total_relation_size(relid)), 0) FROM pg_partition_tree($1)`, [
      parent,
    ]);
  const walLsn = async () => String((await one(`SELECT pg_current_wal_lsn() AS l`)).l);
  const walSince = (lsn: string) => num(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)`, [lsn]);
  const tupleStats = async (relations: string[]) => {
    let len = 0, dead = 0, free = 0;
    for (const r of relations) {
      const s = await one<{ table_len: string; dead_tuple_len: string; free_space: string }>(
        `SELECT table_len, dead_tuple_len, free_space FROM pgstattuple($1)`,
        [r],
      );
      len += Number(s.table_len);
      dead += Number(s.dead_tuple_len);
      free += Number(s.free_space);
    }
    return { deadPct: len ? (100 * dead) / len : 0, freePct: len ? (100 * free) / len : 0 };
  };
  const createPartitions = (name: string, bounds: readonly number[]) =>
    bounds.slice(0, -1).map((b, i) =>
      `CREATE TABLE ${name}_${i} PARTITION OF ${name} FOR VALUES FROM ('${iso(b)}') TO ('${
        iso(bounds[i + 1])
      }');`
    ).join("\n");

  return {
    async stage(t, rows) {
      await c.query(`DROP TABLE IF EXISTS ${staging(t)}, ${plain(t)}, ${part(t)} CASCADE`);
      // Unlogged: the staging copy is a load device, not data; `n` numbers rows for sampling.
      await c.query(
        `CREATE UNLOGGED TABLE ${staging(t)} (${
          stagingDefs(t)
        }, n bigint GENERATED ALWAYS AS IDENTITY)`,
      );
      await c.query(`CREATE TABLE ${plain(t)} (${columnDefs(t)})`);
      await c.query(
        `CREATE TABLE ${part(t)} (${columnDefs(t)}) PARTITION BY RANGE (${t.timeColumn})`,
      );
      await c.query(createPartitions(part(t), t.boundaries));
      return await copyIntoPostgres(c, staging(t), t.columns.map(([col]) => col), rows);
    },

    async bulkInsert(t, layout) {
      let t0 = performance.now();
      await c.query(
        `INSERT INTO ${target(t, layout)} (${columnList(t)}) SELECT ${stagedSelect(t)} FROM ${
          staging(t)
        }`,
      );
      const insertS = (performance.now() - t0) / 1000;
      t0 = performance.now();
      // The B-tree is built after the bulk load, as bulk loads are done; declared on a
      // partitioned parent, every partition gets its own.
      await c.query(`CREATE INDEX ON ${target(t, layout)} (${t.timeColumn})`);
      return { insertS, indexS: (performance.now() - t0) / 1000 };
    },

    tableBytes: (
      t,
      layout,
    ) => (layout === "plain"
      ? num(`SELECT pg_total_relation_size($1)`, [plain(t)])
      : totalBytes(part(t))),

    async analyze(tables) {
      await c.query(`ANALYZE ${tables.flatMap((t) => [plain(t), part(t)]).join(", ")}`);
    },

    async explainRange(t, layout, from, to) {
      const s = session(layout);
      const params = [iso(from), iso(to)];
      const rows = Number((await s.query(rangeSql(t, layout), params)).rows[0].n);
      const plan = await s.query(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${rangeSql(t, layout)}`,
        params,
      );
      return planFacts(plan.rows[0]["QUERY PLAN"], rows);
    },

    async timeRange(t, layout, from, to, runs) {
      const s = session(layout);
      const params = [iso(from), iso(to)];
      const out: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await s.query(rangeSql(t, layout), params);
        out.push(performance.now() - t0);
      }
      return out;
    },

    async rowInserts(t, table, n, rng: Rng) {
      const lo = t.boundaries[0];
      const hi = t.boundaries[t.boundaries.length - 1];
      const text = `INSERT INTO ${table} (${t.timeColumn}, ${t.sumColumn}) VALUES ($1, $2)`;
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const at = iso(lo + Math.floor(rng.next() * (hi - lo)));
        const t0 = performance.now();
        await c.query({ name: `ins_${table}`, text, values: [at, rng.int(100, 50_000)] });
        out.push(performance.now() - t0);
      }
      return out;
    },

    async partitionedCopy(t, partitions, sample) {
      const name = `${t.name}_p${partitions}`;
      const lo = t.boundaries[0];
      const hi = t.boundaries[t.boundaries.length - 1];
      const bounds = Array.from(
        { length: partitions + 1 },
        (_, i) => i === partitions ? hi : lo + Math.floor(((hi - lo) * i) / partitions),
      );
      await c.query(`DROP TABLE IF EXISTS ${name}`);
      const t0 = performance.now();
      await c.query(`CREATE TABLE ${name} (${columnDefs(t)}) PARTITION BY RANGE (${t.timeColumn})`);
      await c.query(createPartitions(name, bounds));
      // The unpruned query probes this index in every partition; the pruned one needs none.
      await c.query(`CREATE INDEX ON ${name} (customer_id)`);
      const createS = (performance.now() - t0) / 1000;
      const filled = await c.query(
        `INSERT INTO ${name} (${columnList(t)}) SELECT ${stagedSelect(t)} FROM ${
          staging(t)
        } WHERE n % $1 = 0`,
        [sample],
      );
      await c.query(`ANALYZE ${name}`);
      return { name, createS, rows: filled.rowCount ?? 0 };
    },

    async planning(t, copy, kind, runs) {
      const lo = t.boundaries[0];
      const mid = lo + (t.boundaries[t.boundaries.length - 1] - lo) / 2;
      const [sql, params] = kind === "pruned"
        ? [`SELECT count(*) FROM ${copy} WHERE ${t.timeColumn} >= $1 AND ${t.timeColumn} < $2`, [
          iso(mid),
          iso(mid + 60_000),
        ]]
        : [`SELECT count(*) FROM ${copy} WHERE customer_id = $1`, [7]];
      const planningMs: number[] = [];
      const executionMs: number[] = [];
      // One unmeasured round first: the session's catalog caches fill on first use.
      for (let i = 0; i <= runs; i++) {
        const plan = await c.query(`EXPLAIN (SUMMARY ON, FORMAT JSON) ${sql}`, params);
        const t0 = performance.now();
        await c.query(sql, params);
        if (i === 0) continue;
        executionMs.push(performance.now() - t0);
        planningMs.push(plan.rows[0]["QUERY PLAN"][0]["Planning Time"]);
      }
      return { planningMs, executionMs };
    },

    async dropCopy(copy) {
      await c.query(`DROP TABLE IF EXISTS ${copy}`);
    },

    async retention(t, keepFrom) {
      const out = {} as Record<"plain" | "partitioned", RetentionFacts>;
      {
        const bytesBefore = await num(`SELECT pg_total_relation_size($1)`, [plain(t)]);
        const lsn = await walLsn();
        const t0 = performance.now();
        const del = await c.query(`DELETE FROM ${plain(t)} WHERE ${t.timeColumn} < $1`, [
          iso(keepFrom),
        ]);
        const ms = performance.now() - t0;
        const walBytes = await walSince(lsn);
        const bytesAfter = await num(`SELECT pg_total_relation_size($1)`, [plain(t)]);
        const { deadPct } = await tupleStats([plain(t)]);
        await c.query(`VACUUM ${plain(t)}`);
        const bytesAfterVacuum = await num(`SELECT pg_total_relation_size($1)`, [plain(t)]);
        const { freePct } = await tupleStats([plain(t)]);
        out.plain = {
          ms,
          rowsRemoved: del.rowCount ?? 0,
          walBytes,
          bytesBefore,
          bytesAfter,
          deadPct,
          bytesAfterVacuum,
          freePctAfterVacuum: freePct,
        };
      }
      {
        const old = t.boundaries.slice(0, -1).map((b, i) => [b, t.boundaries[i + 1], i] as const)
          .filter(([, upper]) => upper <= keepFrom).map(([, , i]) => `${part(t)}_${i}`);
        const bytesBefore = await totalBytes(part(t));
        const rowsRemoved = await num(
          `SELECT count(*) FROM ${part(t)} WHERE ${t.timeColumn} < $1`,
          [iso(keepFrom)],
        );
        const lsn = await walLsn();
        const t0 = performance.now();
        if (old.length) await c.query(`DROP TABLE ${old.join(", ")}`);
        const ms = performance.now() - t0;
        const walBytes = await walSince(lsn);
        const bytesAfter = await totalBytes(part(t));
        const leaves = await partitionsOf(part(t));
        const { deadPct } = await tupleStats(leaves);
        await c.query(`VACUUM ${part(t)}`);
        const { freePct } = await tupleStats(leaves);
        out.partitioned = {
          ms,
          rowsRemoved,
          walBytes,
          bytesBefore,
          bytesAfter,
          deadPct,
          bytesAfterVacuum: await totalBytes(part(t)),
          freePctAfterVacuum: freePct,
        };
      }
      return out;
    },

    async maintenance(t, days, retentionDays, sample) {
      await c.query(
        `CREATE SCHEMA IF NOT EXISTS partman; CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman`,
      );
      const name = `${t.name}_pm`;
      await c.query(
        `DROP TABLE IF EXISTS ${name} CASCADE; DELETE FROM partman.part_config WHERE parent_table = 'public.${name}'`,
      );
      const today = Number(await num(`SELECT extract(epoch FROM date_trunc('day', now())) * 1000`));
      const end = t.boundaries[t.boundaries.length - 1];
      await c.query(`CREATE TABLE ${name} (${columnDefs(t)}) PARTITION BY RANGE (${t.timeColumn})`);
      let t0 = performance.now();
      await c.query(
        `SELECT partman.create_parent(p_parent_table := $1, p_control := $2, p_type := 'native', p_interval := 'daily', p_premake := 3, p_start_partition := $3)`,
        [`public.${name}`, t.timeColumn, iso(today - days * DAY_MS)],
      );
      const createMs = performance.now() - t0;
      const before = (await partitionsOf(name)).filter((p) => !p.endsWith("_default"));
      // The last `days` days of the staged data, moved so that they end today.
      const shifted = t.columns.map(([col, type]) =>
        col === t.timeColumn
          ? `to_timestamp(${col} / 1000.0) + $1::interval`
          : isTime(type)
          ? `to_timestamp(${col} / 1000.0)`
          : col
      ).join(", ");
      await c.query(
        `INSERT INTO ${name} (${columnList(t)}) SELECT ${shifted} FROM ${
          staging(t)
        } WHERE ${t.timeColumn} >= $2 AND n % $3 = 0`,
        [`${(today - end) / 1000} seconds`, end - days * DAY_MS, sample],
      );
      const rowsBefore = await num(`SELECT count(*) FROM ${name}`);
      const premade = await num(
        `SELECT count(*) FROM pg_partition_tree($1) p JOIN pg_class k ON k.oid = p.relid
         WHERE p.isleaf AND pg_get_expr(k.relpartbound, k.oid) LIKE 'FOR VALUES FROM%' AND
           substring(pg_get_expr(k.relpartbound, k.oid) from '''([^'']+)''')::timestamptz >= to_timestamp($2 / 1000.0)`,
        [name, today],
      );
      await c.query(
        `UPDATE partman.part_config SET retention = $1, retention_keep_table = false WHERE parent_table = $2`,
        [`${retentionDays} days`, `public.${name}`],
      );
      t0 = performance.now();
      await c.query(`SELECT partman.run_maintenance($1)`, [`public.${name}`]);
      const maintenanceMs = performance.now() - t0;
      const after = new Set((await partitionsOf(name)).filter((p) => !p.endsWith("_default")));
      const oldest = await num(
        `SELECT extract(epoch FROM min(${t.timeColumn})) * 1000 FROM ${name}`,
      );
      return {
        createMs,
        partitionsCreated: before.length,
        premade,
        maintenanceMs,
        partitionsDropped: before.filter((p) => !after.has(p)).length,
        rowsBefore,
        rowsAfter: await num(`SELECT count(*) FROM ${name}`),
        oldestAgeDays: (today - oldest) / DAY_MS,
        defaultRows: await num(`SELECT count(*) FROM ${name}_default`),
      } satisfies MaintenanceFacts;
    },

    async close() {
      await c.end();
      await noPrune.end();
    },
  };
}
