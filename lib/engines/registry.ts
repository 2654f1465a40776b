/**
 * The engine registry: every engine the workspace can start or reach, by name. Adding an
 * engine is one folder under lib/engines (its definition and client helpers) and one line
 * here, plus its compose service and set-up package.
 *
 * @module
 */

import { clickhouse } from "./clickhouse/mod.ts";
import { cockroachdb } from "./cockroachdb/mod.ts";
import { hazelcast } from "./hazelcast/mod.ts";
import { influxdb } from "./influxdb/mod.ts";
import { mariadb } from "./mariadb/mod.ts";
import { memcached } from "./memcached/mod.ts";
import { nats } from "./nats/mod.ts";
import { postgres } from "./postgres/mod.ts";
import { redis } from "./redis/mod.ts";
import { redisCluster } from "./redis-cluster/mod.ts";
import { patroni } from "./patroni/mod.ts";
import { redisSentinel } from "./redis-sentinel/mod.ts";
import { galera } from "./galera/mod.ts";
import { sphinx } from "./sphinx/mod.ts";
import { elasticsearch } from "./elasticsearch/mod.ts";
import { timescaledb } from "./timescaledb/mod.ts";
import { toxiproxy } from "./toxiproxy/mod.ts";
import type { EngineDefinition } from "./types.ts";

/** Every engine, by registry name (the order of the engine table). */
export const ENGINES = {
  postgres,
  mariadb,
  redis,
  memcached,
  influxdb,
  clickhouse,
  cockroachdb,
  timescaledb,
  hazelcast,
  "redis-cluster": redisCluster,
  patroni,
  "redis-sentinel": redisSentinel,
  galera,
  nats,
  sphinx,
  elasticsearch,
  toxiproxy,
} as const satisfies Record<string, EngineDefinition>;

/** Name of an engine the workspace knows how to start or reach. */
export type EngineName = keyof typeof ENGINES;

/** The registry's names, in table order. */
export const ENGINE_NAMES = Object.keys(ENGINES) as EngineName[];
