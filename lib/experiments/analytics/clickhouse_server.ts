/**
 * A ClickHouse server's analytics binding: the same SQL and client as embedded chDB
 * (./clickhouse_store.ts) over HTTP, so the two differ only by the server process and the
 * network hop. Natively the registry gives embedded chDB, so a server comes only from a URL
 * or a container.
 *
 * @module
 */

import type { AnalyticsBinding } from "./binding.ts";
import { clickhouseStore } from "./clickhouse_store.ts";

/** ClickHouse server via BENCH_CLICKHOUSE_URL or docker. */
export const clickhouseServerBinding: AnalyticsBinding = {
  name: "clickhouse-server",
  label: "ClickHouse server",
  engine: "clickhouse",
  providers: ["external", "docker"],
  inProcess: false,
  // The skip reason alone reads as if ClickHouse were missing; it is only the server.
  skipNote: "embedded chDB runs instead",
  open: clickhouseStore,
};
