/**
 * Statistics over repetitions: summaries with Student-t intervals, Fieller ratio intervals,
 * grouping of result rows.
 *
 * @module
 */

export * from "./tdist.ts";
export * from "./summary.ts";
export * from "./paired.ts";
