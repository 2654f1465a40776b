/**
 * Chart marks notebook 09 adds to the shared chart helpers: the objective as a dashed line.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";

/** A dashed horizontal rule at the latency objective (ms). */
export function sloMark(ms: number): Plot.Markish {
  return Plot.ruleY([ms], { stroke: "#c0392b", strokeDasharray: "5 4" });
}
