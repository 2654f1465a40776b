/**
 * The OLTP experiment's bindings: one line per engine (its binding file beside this one).
 *
 * @module
 */

import type { OltpBinding } from "./binding.ts";
import { cockroachdbBinding } from "./cockroachdb.ts";
import { mariadbBinding } from "./mariadb.ts";
import { postgresBinding } from "./postgres.ts";

/** Every store the OLTP decision compares, in the order they run. */
export const OLTP_BINDINGS: readonly OltpBinding[] = [
  postgresBinding,
  mariadbBinding,
  cockroachdbBinding,
];
