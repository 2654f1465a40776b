/**
 * TimescaleDB's analytics binding: the PostgreSQL store of ./postgres.ts in its `hypertable`
 * design (1-day chunks, columnar compression), with the same analytics settings and the same
 * size budget as PostgreSQL.
 *
 * @module
 */

import type { AnalyticsBinding } from "./binding.ts";
import { POSTGRES_MAX_ROWS, POSTGRES_SETTINGS, postgresStore } from "./postgres.ts";

/** TimescaleDB (PostgreSQL 15 with the extension), a compressed hypertable. */
export const timescaledbBinding: AnalyticsBinding = {
  name: "timescaledb",
  label: "TimescaleDB hypertable",
  engine: "timescaledb",
  spec: { settings: POSTGRES_SETTINGS },
  inProcess: false,
  maxRows: POSTGRES_MAX_ROWS,
  open: (engine) => Promise.resolve(postgresStore(engine, "hypertable")),
};
