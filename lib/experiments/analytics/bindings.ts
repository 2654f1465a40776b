/**
 * The analytics experiment's bindings: one line per store (its binding file beside this one).
 * The order matters: the first store that answers a query is the reference the others are
 * compared with, and stores sharing an engine start run one after the other.
 *
 * @module
 */

import type { AnalyticsBinding } from "./binding.ts";
import { chdbBinding } from "./chdb.ts";
import { clickhouseServerBinding } from "./clickhouse_server.ts";
import { influxdbBinding } from "./influxdb.ts";
import { postgresBrinBinding, postgresHeapBinding } from "./postgres.ts";
import { timescaledbBinding } from "./timescaledb.ts";

/** Every store the analytics decision compares, in the order they run. */
export const ANALYTICS_BINDINGS: readonly AnalyticsBinding[] = [
  postgresHeapBinding,
  postgresBrinBinding,
  chdbBinding,
  clickhouseServerBinding,
  timescaledbBinding,
  influxdbBinding,
];
