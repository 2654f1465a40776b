/**
 * Part 1, partitioning inside one server (table sharding_partitioning): the scale's events
 * (partitioned by day) and 10^6 orders over two years (by month), each also as one table
 * with a B-tree on its time column. Rows per `part`:
 *
 * - `load`: bulk insert of the staged rows into each layout (seconds, rows/s, bytes);
 * - `query`: a time-ranged aggregate per range and layout — client latency (median of runs
 *   per repetition) and, from the engine's plan, partitions scanned and buffers touched;
 * - `insert`: single-row insert latency per layout and partition count;
 * - `planning`: planning and execution time of a query that prunes to one partition and of
 *   one that cannot, as partitions grow (10, 100, 1 000);
 * - `retention`: removing the oldest days by DELETE against DROP of partitions (time, WAL,
 *   bytes, dead tuples, free space after VACUUM);
 * - `maintenance`: the engine's partition manager creating, pre-making and retiring
 *   partitions.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { createCatalog, generateEvents, generateOrders } from "../../workload/generate.ts";
import { forkRng } from "../../workload/rng.ts";
import { getScale } from "../../workload/scales.ts";
import { LAYOUTS, type PartitionStore, type ShardingBinding, type TimeTable } from "./binding.ts";
import { addRow, median, PARTITIONING, quantile, type ShardingRun, withEngine } from "./context.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The events table over the scale's window, one partition per day. */
export function eventsTable(scaleName: string): TimeTable {
  const scale = getScale(scaleName);
  const days = Math.round(scale.spanMs / DAY_MS);
  return {
    name: "events",
    timeColumn: "ts",
    sumColumn: "price_cents",
    boundaries: Array.from({ length: days + 1 }, (_, i) => scale.startMs + i * DAY_MS),
    columns: [
      ["ts", "timestamptz NOT NULL"],
      ["type", "text"],
      ["customer_id", "int"],
      ["product_id", "int"],
      ["category_id", "int"],
      ["price_cents", "int"],
      ["quantity", "int"],
      ["device", "text"],
      ["country", "text"],
    ],
  };
}

/** The orders table over `months` calendar months from the scale's start, one per month. */
export function ordersTable(scaleName: string, months: number): TimeTable {
  const start = new Date(getScale(scaleName).startMs);
  return {
    name: "orders",
    timeColumn: "created_at",
    sumColumn: "total_cents",
    boundaries: Array.from(
      { length: months + 1 },
      (_, i) => Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + i, 1),
    ),
    columns: [
      ["id", "bigint"],
      ["customer_id", "int"],
      ["status", "text"],
      ["total_cents", "bigint"],
      ["item_count", "int"],
      ["created_at", "timestamptz NOT NULL"],
    ],
  };
}

const end = (t: TimeTable) => t.boundaries[t.boundaries.length - 1];

/** Seeded rows of both tables (events past the window's end are left out). */
function* eventRows(config: ShardingRun["config"], t: TimeTable) {
  const scale = { ...getScale(config.scale), events: config.partitioning.events };
  for (const e of generateEvents(createCatalog(scale, config.seed))) {
    if (e.ts < end(t)) yield e as unknown as Record<string, unknown>;
  }
}

function* orderRows(config: ShardingRun["config"], t: TimeTable) {
  const base = getScale(config.scale);
  const scale = {
    ...base,
    orders: config.partitioning.orders,
    startMs: t.boundaries[0],
    spanMs: end(t) - t.boundaries[0],
  };
  for (const o of generateOrders(createCatalog(scale, config.seed))) {
    const { lines: _lines, ...row } = o;
    yield row as unknown as Record<string, unknown>;
  }
}

/** Configurations the part measures on one binding (progress steps). */
export function partitioningSteps(
  ctx: Pick<ShardingRun, "config">,
  binding: ShardingBinding,
): number {
  if (!binding.partitioning) return 0;
  const p = ctx.config.partitioning;
  return 1 + ctx.config.repetitions * (2 * LAYOUTS.length + 4) + p.partitionCounts.length + 2;
}

/** Run part 1 on every binding that can partition. */
export async function partitioningPart(ctx: ShardingRun): Promise<void> {
  for (const binding of ctx.config.bindings) {
    if (!binding.partitioning) continue;
    await withEngine(
      ctx,
      PARTITIONING,
      binding,
      partitioningSteps(ctx, binding),
      async (engine) => {
        const store = await binding.partitioning!.store(engine);
        try {
          await measure(ctx, binding, engine, store);
        } finally {
          await store.close();
        }
      },
    );
  }
}

async function measure(
  ctx: ShardingRun,
  binding: ShardingBinding,
  engine: Engine,
  store: PartitionStore,
) {
  const { config, progress } = ctx;
  const p = config.partitioning;
  const events = eventsTable(config.scale);
  const orders = ordersTable(config.scale, p.orderMonths);
  const row = (
    rep: number,
    dims: Record<string, string | number>,
    metrics: [string, number, string][],
  ) => addRow(ctx, PARTITIONING, engine, rep, dims, metrics);

  progress.step(`${binding.name} load ${p.events} events and ${p.orders} orders`);
  for (
    const [t, rows] of [[events, eventRows(config, events)], [
      orders,
      orderRows(config, orders),
    ]] as const
  ) {
    const staged = await store.stage(t, rows);
    for (const layout of ["plain", "partitioned"] as const) {
      const s = await store.bulkInsert(t, layout);
      row(0, {
        part: "load",
        table: t.name,
        layout,
        partitions: layout === "plain" ? 1 : t.boundaries.length - 1,
      }, [
        ["rows", staged, "count"],
        ["bulk_insert_s", s.insertS, "s"],
        ["bulk_insert_rate", staged / s.insertS, "rows/s"],
        ["index_s", s.indexS, "s"],
        ["table_bytes", await store.tableBytes(t, layout), "bytes"],
      ]);
    }
    progress.log(
      `${binding.name}: ${t.name} ${staged} rows in ${t.boundaries.length - 1} partitions`,
    );
  }
  await store.analyze([events, orders]);

  const ranges: [TimeTable, number][] = [
    ...p.eventRangesH.map((h) => [events, h] as [TimeTable, number]),
    ...p.orderRangesD.map((d) => [orders, d * 24] as [TimeTable, number]),
  ];
  for (let rep = 0; rep < config.repetitions; rep++) {
    for (const t of [events, orders]) {
      for (const layout of LAYOUTS) {
        progress.step(`${binding.name} ${t.name} ${layout} queries rep ${rep + 1}`);
        for (const [, hours] of ranges.filter(([x]) => x === t)) {
          const from = end(t) - hours * HOUR_MS;
          const times = await store.timeRange(t, layout, from, end(t), p.queryRuns);
          const metrics: [string, number, string][] = [
            ["latency_p50", median(times), "ms"],
            ["latency_mean", times.reduce((a, b) => a + b, 0) / times.length, "ms"],
          ];
          if (rep === 0) {
            // The plan's facts do not change between repetitions: record them once.
            const f = await store.explainRange(t, layout, from, end(t));
            metrics.push(
              ["rows_matched", f.rows, "count"],
              ["partitions_scanned", f.partitionsScanned, "count"],
              ["buffers", f.buffers, "blocks"],
              ["planning_ms", f.planningMs, "ms"],
              ["execution_ms", f.executionMs, "ms"],
            );
          }
          row(rep, { part: "query", table: t.name, layout, range_h: hours }, metrics);
        }
      }
      for (const layout of ["plain", "partitioned"] as const) {
        progress.step(`${binding.name} ${t.name} ${layout} row inserts rep ${rep + 1}`);
        const target = `${t.name}_${layout === "plain" ? "plain" : "part"}`;
        const lat = await store.rowInserts(
          t,
          target,
          p.rowInserts,
          forkRng(config.seed, `inserts:${t.name}:${rep}`),
        );
        row(rep, {
          part: "insert",
          table: t.name,
          layout,
          partitions: layout === "plain" ? 1 : t.boundaries.length - 1,
        }, [
          ["latency_p50", median(lat), "ms"],
          ["latency_p99", quantile(lat, 0.99), "ms"],
        ]);
      }
    }
  }

  for (const n of p.partitionCounts) {
    progress.step(`${binding.name} planning with ${n} partitions`);
    const copy = await store.partitionedCopy(events, n, p.planningSample);
    row(0, { part: "planning", table: events.name, partitions: n }, [
      ["create_s", copy.createS, "s"],
      ["rows", copy.rows, "count"],
    ]);
    for (let rep = 0; rep < config.repetitions; rep++) {
      for (const kind of ["pruned", "unpruned"] as const) {
        const r = await store.planning(events, copy.name, kind, p.planningRuns);
        row(rep, { part: "planning", table: events.name, partitions: n, query: kind }, [
          ["planning_ms", median(r.planningMs), "ms"],
          ["execution_ms", median(r.executionMs), "ms"],
        ]);
      }
      const lat = await store.rowInserts(
        events,
        copy.name,
        p.rowInserts,
        forkRng(config.seed, `inserts:p${n}:${rep}`),
      );
      row(rep, { part: "insert", table: events.name, layout: "partitioned", partitions: n }, [
        ["latency_p50", median(lat), "ms"],
        ["latency_p99", quantile(lat, 0.99), "ms"],
      ]);
    }
    await store.dropCopy(copy.name);
  }

  progress.step(`${binding.name} retention: DELETE against DROP PARTITION`);
  const keepFrom = events.boundaries[p.retentionDays];
  const ret = await store.retention(events, keepFrom);
  for (const layout of ["plain", "partitioned"] as const) {
    const f = ret[layout];
    row(0, { part: "retention", table: events.name, layout, days: p.retentionDays }, [
      ["retention_ms", f.ms, "ms"],
      ["rows_removed", f.rowsRemoved, "count"],
      ["wal_bytes", f.walBytes, "bytes"],
      ["bytes_before", f.bytesBefore, "bytes"],
      ["bytes_after", f.bytesAfter, "bytes"],
      ["dead_pct", f.deadPct, "%"],
      ["bytes_after_vacuum", f.bytesAfterVacuum, "bytes"],
      ["free_pct_after_vacuum", f.freePctAfterVacuum, "%"],
    ]);
  }
  progress.log(
    `${binding.name} retention of ${p.retentionDays} days: DELETE ${ret.plain.ms.toFixed(0)} ms, ` +
      `${(ret.plain.walBytes / 1e6).toFixed(1)} MB WAL; DROP ${
        ret.partitioned.ms.toFixed(1)
      } ms, ` +
      `${(ret.partitioned.walBytes / 1e3).toFixed(1)} kB WAL`,
  );

  progress.step(`${binding.name} partition maintenance (${binding.partitioning!.maintenanceTool})`);
  const m = await store.maintenance(
    events,
    p.maintenanceDays,
    p.maintenanceRetentionDays,
    p.planningSample,
  );
  row(0, {
    part: "maintenance",
    table: events.name,
    tool: binding.partitioning!.maintenanceTool,
    days: p.maintenanceRetentionDays,
  }, [
    ["create_ms", m.createMs, "ms"],
    ["partitions_created", m.partitionsCreated, "count"],
    ["premade", m.premade, "count"],
    ["maintenance_ms", m.maintenanceMs, "ms"],
    ["partitions_dropped", m.partitionsDropped, "count"],
    ["rows_before", m.rowsBefore, "count"],
    ["rows_after", m.rowsAfter, "count"],
    ["oldest_age_days", m.oldestAgeDays, "days"],
    ["default_rows", m.defaultRows, "count"],
  ]);
}
