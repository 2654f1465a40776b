/**
 * The ADR's figures from the harness-overhead calibration (lib/experiments/overhead/summary.ts
 * computes; this file names the clients the other experiments use and phrases the ratios).
 *
 * @module
 */

import { type FigureSet, formatRatio } from "../../results/figure.ts";
import {
  bestTechnique,
  type TechniqueRatio,
  techniqueRatio,
  techniqueRatios,
} from "../../experiments/overhead/summary.ts";

const CSV = "harness_overhead.csv";

const overlaps = (a: TechniqueRatio, b: TechniqueRatio) => a.low <= b.high && b.low <= a.high;

/**
 * The highest-ratio technique per engine, and whether its interval overlaps the next one's:
 * a point-estimate pick among overlapping intervals is not a measured "best".
 */
function bestWithOverlap(rows: Parameters<typeof techniqueRatios>[0]): string {
  const all = techniqueRatios(rows);
  return bestTechnique(rows).map((b) => {
    const rest = all.filter((t) => t.engine === b.engine && t.technique !== b.technique)
      .sort((x, y) => y.ratio - x.ratio);
    const next = rest[0];
    const against = !next
      ? ""
      : overlaps(b, next)
      ? ` (its interval overlaps ${next.technique}'s)`
      : ` (clear of ${next.technique}'s interval)`;
    return `${b.technique} ${formatRatio(b)} on ${b.engine}${against}`;
  }).join(", ");
}

/** Figures `overhead.*`: select-only and GET ratios of the used and of the best clients. */
export const overheadFigures: FigureSet = {
  "overhead.npg_select": async (d) =>
    `${formatRatio(techniqueRatio(await d.rows(CSV), "postgres", "node-postgres"))} of pgbench -S`,
  "overhead.ioredis_get": async (d) =>
    `${formatRatio(techniqueRatio(await d.rows(CSV), "redis", "ioredis"))} of redis-benchmark GET`,
  "overhead.best_own": async (d) => bestWithOverlap(await d.rows(CSV)),
};
