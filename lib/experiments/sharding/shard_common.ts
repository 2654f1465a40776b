/**
 * What the shard runs share: the scale's orders with their customer's region, the router of
 * a shard key, loading a layout, and per-worker sessions on every shard.
 *
 * @module
 */

import type { Engine } from "../../engines/mod.ts";
import { ShardRouter } from "../../sharding/router.ts";
import {
  regionDirectory,
  regionWeights,
  type ShardKey,
  type Workload,
} from "../../sharding/skew.ts";
import { createCatalog, generateOrders } from "../../workload/generate.ts";
import type { OrderRow, ShardAdmin, ShardSession } from "./binding.ts";
import type { ShardingRun } from "./context.ts";

/** The scale's orders with their customer's region, and who owns which orders. */
export interface ShardData {
  orders: OrderRow[];
  byCustomer: Map<number, number[]>;
  customers: number;
  regionOf(id: number): string;
}

export function shardData(config: ShardingRun["config"]): ShardData {
  const catalog = createCatalog(config.scale, config.seed);
  const byCustomer = new Map<number, number[]>();
  const orders: OrderRow[] = [];
  for (const o of generateOrders(catalog)) {
    orders.push({
      id: o.id,
      customer_id: o.customer_id,
      region: catalog.customers[o.customer_id - 1].country,
      status: o.status,
      total_cents: o.total_cents,
      created_at: o.created_at,
    });
    byCustomer.set(o.customer_id, [...(byCustomer.get(o.customer_id) ?? []), o.id]);
  }
  return {
    orders,
    byCustomer,
    customers: catalog.customers.length,
    regionOf: (id) => catalog.customers[id - 1].country,
  };
}

/** The router of a shard key over shard indices 0..n-1, and the key a stored order goes by. */
export function routing(key: ShardKey, n: number, w: Workload) {
  const dir = key === "region" ? regionDirectory(regionWeights(w), n) : undefined;
  const router = new ShardRouter(
    Array.from({ length: n }, (_, i) => i),
    dir ? (customer) => dir.get(w.regionOf(customer))! : undefined,
  );
  const placeBy = (
    o: Pick<OrderRow, "id" | "customer_id">,
  ) => (key === "order_id" ? o.id : o.customer_id);
  return { router, placeBy };
}

export async function load(
  admins: ShardAdmin[],
  data: ShardData,
  placeBy: (o: OrderRow) => number,
  router: ShardRouter<number>,
) {
  const parts = router.partition(data.orders, placeBy);
  await Promise.all(admins.map(async (a, i) => {
    await a.reset();
    await a.loadOrders(parts[i]);
  }));
}

export async function sessionsFor(
  admins: ShardAdmin[],
  workers: number,
): Promise<ShardSession[][]> {
  return await Promise.all(
    Array.from({ length: workers }, () => Promise.all(admins.map((a) => a.session()))),
  );
}

export async function closeAll(sessions: { close(): Promise<void> }[][]) {
  await Promise.all(sessions.flat().map((s) => s.close()));
}

export function engineConfig(engine: Engine, n: number): Record<string, string> {
  return { ...engine.settings, shards: String(n) };
}
