/**
 * The ADR's figures from the harness-overhead calibration (lib/experiments/overhead/summary.ts
 * computes; this file names the clients the other experiments use and phrases the ratios).
 *
 * @module
 */

import { type FigureSet, formatRatio } from "../../results/figure.ts";
import { bestTechnique, techniqueRatio } from "../../experiments/overhead/summary.ts";

const CSV = "harness_overhead.csv";

/** Figures `overhead.*`: select-only and GET ratios of the used and of the best clients. */
export const overheadFigures: FigureSet = {
  "overhead.npg_select": async (d) =>
    `${formatRatio(techniqueRatio(await d.rows(CSV), "postgres", "node-postgres"))} of pgbench -S`,
  "overhead.ioredis_get": async (d) =>
    `${formatRatio(techniqueRatio(await d.rows(CSV), "redis", "ioredis"))} of redis-benchmark GET`,
  "overhead.best_own": async (d) =>
    bestTechnique(await d.rows(CSV)).map((b) => `${b.technique} ${formatRatio(b)} on ${b.engine}`)
      .join(", "),
};
