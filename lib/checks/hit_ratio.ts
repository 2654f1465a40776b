/**
 * Hit-ratio accounting: the cache engine's own counters (Redis `keyspace_hits/misses`,
 * Memcached `get_hits/get_misses`) and the client's count of what its GETs returned must tell
 * the same story over the same window. If they do not, either the counters were not reset
 * where we think, something else read the cache, or a client retried behind our back — and
 * then no hit ratio of that run can be trusted.
 *
 * @module
 */

/** Lookups of one window, as one side counted them. */
export interface HitCounts {
  hits: number;
  misses: number;
}

/** The verdict of {@link checkHitAccounting}. */
export interface HitAccountingVerdict {
  /** True when both sides saw the same number of lookups (± tolerance) and ratios agree. */
  agree: boolean;
  /** Client hit ratio (hits / lookups; 0 without lookups). */
  clientRatio: number;
  /** Engine hit ratio. */
  engineRatio: number;
  /** |clientRatio − engineRatio|. */
  ratioDiff: number;
  /** Engine lookups − client lookups. */
  lookupDiff: number;
  /** One line saying what disagrees (empty when they agree). */
  problem: string;
}

/** The hit ratio of counts (0 without lookups). */
export function hitRatio(c: HitCounts): number {
  const n = c.hits + c.misses;
  return n > 0 ? c.hits / n : 0;
}

/**
 * Compares client and engine counts. Defaults demand exact agreement on lookups (the window is
 * bracketed by a counter reset and a read of the counters, and the client alone reads the
 * cache), and a ratio difference of at most `ratioTolerance`.
 */
export function checkHitAccounting(
  client: HitCounts,
  engine: HitCounts,
  { lookupTolerance = 0, ratioTolerance = 0.001 }: {
    lookupTolerance?: number;
    ratioTolerance?: number;
  } = {},
): HitAccountingVerdict {
  for (const [side, c] of [["client", client], ["engine", engine]] as const) {
    for (const k of ["hits", "misses"] as const) {
      if (!Number.isFinite(c[k]) || c[k] < 0) {
        throw new Error(`checkHitAccounting: ${side} ${k} must be a count >= 0, got ${c[k]}`);
      }
    }
  }
  const clientRatio = hitRatio(client);
  const engineRatio = hitRatio(engine);
  const ratioDiff = Math.abs(clientRatio - engineRatio);
  const lookupDiff = engine.hits + engine.misses - (client.hits + client.misses);
  const problems: string[] = [];
  if (Math.abs(lookupDiff) > lookupTolerance) {
    problems.push(
      `engine counted ${engine.hits + engine.misses} lookups, client ${
        client.hits + client.misses
      }`,
    );
  }
  if (ratioDiff > ratioTolerance) {
    problems.push(
      `hit ratio ${engineRatio.toFixed(4)} (engine) vs ${clientRatio.toFixed(4)} (client)`,
    );
  }
  return {
    agree: problems.length === 0,
    clientRatio,
    engineRatio,
    ratioDiff,
    lookupDiff,
    problem: problems.join("; "),
  };
}
