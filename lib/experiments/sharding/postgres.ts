/**
 * PostgreSQL's binding: partitioning inside one server (declarative range partitioning,
 * pg_partman for maintenance) and one server per shard (the router in the harness, PL/Proxy
 * on the database side, two-phase commit for cross-shard transfers).
 *
 * @module
 */

import type { ShardingBinding } from "./binding.ts";
import { postgresPartitionStore } from "./postgres_partitioning.ts";
import { plproxyOver, postgresShardAdmin } from "./postgres_shards.ts";

/** PostgreSQL 15 for both partitioning and shards. */
export const postgresBinding: ShardingBinding = {
  name: "postgres",
  engine: "postgres",
  spec: {
    settings: {
      // JIT compiles a plan once its cost passes 100 000, which every scan of 10^6 rows does:
      // ~50-100 ms of compiling would swamp the pruning differences measured here (and is
      // the usual advice for OLTP servers).
      jit: "off",
      // Two-phase commit needs prepared-transaction slots; the default is 0 (disabled).
      max_prepared_transactions: 16,
    },
  },
  partitioning: {
    maintenanceTool: "pg_partman 4.7",
    store: (engine) => postgresPartitionStore(engine.primary),
  },
  shards: {
    urlsEnv: "BENCH_POSTGRES_SHARD_URLS",
    proxy: "plproxy",
    admin: (engine) => postgresShardAdmin(engine.primary),
    proxyOver: plproxyOver,
  },
};
