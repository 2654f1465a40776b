/**
 * The wiring of every experiment: which experiments exist (for `./denow task run`, the main job
 * and the notebooks) and which ADR figures each contributes. Adding an experiment is one folder
 * under lib/experiments, one notebook, one line in each list here.
 *
 * @module
 */

import { analytics } from "./experiments/analytics/mod.ts";
import { backup } from "./experiments/backup/mod.ts";
import { cache } from "./experiments/cache/mod.ts";
import { eventsourcing } from "./experiments/eventsourcing/mod.ts";
import type { Experiment } from "./experiments/experiment.ts";
import { oltp } from "./experiments/oltp/mod.ts";
import { overhead } from "./experiments/overhead/mod.ts";
import { replication } from "./experiments/replication/mod.ts";
import { sharding } from "./experiments/sharding/mod.ts";
import { failover } from "./experiments/failover/mod.ts";
import { search } from "./experiments/search/mod.ts";
import type { FigureSet } from "./results/figure.ts";
import { citedFigures } from "./report/cited.ts";
import { analyticsFigures } from "./report/figures/analytics.ts";
import { backupFigures } from "./report/figures/backup.ts";
import { cacheFigures } from "./report/figures/cache.ts";
import { overheadFigures } from "./report/figures/overhead.ts";
import { eventsourcingFigures } from "./report/figures/eventsourcing.ts";
import { oltpFigures } from "./report/figures/oltp.ts";
import { provenanceFigures } from "./report/figures/provenance.ts";
import { replicationFigures } from "./report/figures/replication.ts";
import { shardingFigures } from "./report/figures/sharding.ts";
import { recordFigures } from "./report/figures/record.ts";
import { CAP_ROWS, SLO_ROWS } from "./report/figures/record_rows.ts";
import { failoverFigures } from "./report/figures/failover.ts";
import { searchFigures } from "./report/figures/search.ts";
import type { RecordChart } from "./report/decisions.ts";
import { matrix, matrixChart, matrixFigures, sensitivityChart } from "./report/matrix/mod.ts";

/** Every experiment, in the order the main job runs them (the notebooks' order). */
// deno-lint-ignore no-explicit-any
export const EXPERIMENTS: readonly Experiment<any>[] = [
  overhead,
  oltp,
  cache,
  analytics,
  replication,
  eventsourcing,
  sharding,
  backup,
  failover,
  search,
  // Last: it scores the decisions from the other experiments' committed results.
  matrix,
];

/** The ADR figures of every experiment (merged by lib/report/adr.ts; ids must not repeat). */
export const FIGURE_SETS: readonly FigureSet[] = [
  citedFigures,
  provenanceFigures,
  oltpFigures,
  overheadFigures,
  cacheFigures,
  analyticsFigures,
  replicationFigures,
  shardingFigures,
  failoverFigures,
  eventsourcingFigures,
  searchFigures,
  backupFigures,
  matrixFigures,
  recordFigures(SLO_ROWS, CAP_ROWS),
];

/** Charts the decision record places on the report's front page (`<!-- chart:<id> -->`). */
export const RECORD_CHARTS: ReadonlyMap<string, RecordChart> = new Map([
  ["matrix", () => matrixChart()],
  ["sensitivity", () => sensitivityChart()],
]);

/** An experiment by id; one-line error listing the valid ids. */
// deno-lint-ignore no-explicit-any
export function experimentById(id: string): Experiment<any> {
  const found = EXPERIMENTS.find((e) => e.id === id);
  if (!found) {
    throw new Error(
      `unknown experiment "${id}"; experiments: ${EXPERIMENTS.map((e) => e.id).join(", ")}`,
    );
  }
  return found;
}
