/**
 * CockroachDB's OLTP binding: the PostgreSQL-dialect store (CockroachDB speaks the wire
 * protocol and retries with SQLSTATE 40001 too), without VACUUM. Only SERIALIZABLE is swept:
 * without the cluster setting `sql.txn.read_committed_isolation.enabled`, CockroachDB runs a
 * READ COMMITTED request as SERIALIZABLE, so a "read committed" row would be mislabelled.
 *
 * @module
 */

import type { OltpBinding } from "./binding.ts";
import { postgresStore } from "./postgres.ts";

/** CockroachDB single node (docker, external URL, or a cockroach binary on PATH). */
export const cockroachdbBinding: OltpBinding = {
  name: "cockroachdb",
  engine: "cockroachdb",
  isolation: ["serializable"],
  store: (engine) => postgresStore(engine.primary, { vacuum: false }),
};
