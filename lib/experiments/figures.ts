/**
 * Every experiment's ADR figures, in one list: `deno task adr` and the ADR staleness test
 * read it. To cite a number in the ADR, export a `figures` object from the experiment module
 * (ids prefixed with the experiment, e.g. "oltp.pg_rc_tps_c16") and add it here:
 *
 *     import { figures as oltp } from "./oltp/figures.ts";
 *     export const figureSets: readonly FigureSet[] = [oltp];
 *
 * Why a list file rather than self-registration on import: the registry is then explicit and
 * complete without importing every experiment for its side effects.
 *
 * @module
 */
import type { FigureSet } from "../report/adr.ts";
import { analyticsFigures } from "./analytics/summary.ts";
import { cacheFigures } from "./cache/summary.ts";
import { oltpFigures } from "./oltp/summary.ts";
import { replicationFigures } from "./replication/summary.ts";

/** The figure sets of all experiments (merged, duplicate ids rejected, by mergeFigures). */
export const figureSets: readonly FigureSet[] = [
  oltpFigures,
  cacheFigures,
  analyticsFigures,
  replicationFigures,
];
