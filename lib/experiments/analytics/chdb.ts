/**
 * Embedded chDB's analytics binding: modern ClickHouse as a library inside this process (the
 * registry's native ClickHouse provider), the store of ./clickhouse_store.ts. No server and no
 * network hop, so its rows say `in_process`; it runs every size, the 10^7-row point included.
 *
 * @module
 */

import type { AnalyticsBinding } from "./binding.ts";
import { clickhouseStore } from "./clickhouse_store.ts";

/** ClickHouse embedded as chDB (native provider only: a server is another binding). */
export const chdbBinding: AnalyticsBinding = {
  name: "chdb",
  label: "ClickHouse (chDB, in-process)",
  engine: "clickhouse",
  providers: ["native"],
  inProcess: true,
  open: clickhouseStore,
};
