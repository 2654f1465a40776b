/**
 * The event-sourcing experiment's bindings: one line per engine (its binding file beside this
 * one). PostgreSQL holds the write side; Redis the storefront view; NATS the outbox's log.
 *
 * @module
 */

import type { EsBinding } from "./binding.ts";
import { natsBinding } from "./nats.ts";
import { postgresBinding } from "./postgres.ts";
import { redisBinding } from "./redis.ts";

/** Every engine the experiment uses, in start order. */
export const EVENTSOURCING_BINDINGS: readonly EsBinding[] = [
  postgresBinding,
  redisBinding,
  natsBinding,
];
