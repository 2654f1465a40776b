/**
 * The overhead benchmark's bindings: one line per engine.
 *
 * @module
 */

import type { OverheadBinding } from "./binding.ts";
import { postgresBinding } from "./postgres.ts";
import { redisBinding } from "./redis.ts";

/** Every engine the harness is calibrated on. */
export const OVERHEAD_BINDINGS: readonly OverheadBinding[] = [postgresBinding, redisBinding];
