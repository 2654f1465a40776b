/**
 * Load generation: closed- and open-loop runners, HDR latency histograms per operation type,
 * error classes, retries and a progress display.
 *
 * @module
 */

export * from "./errors.ts";
export * from "./histogram.ts";
export * from "./recorder.ts";
export * from "./retry.ts";
export * from "./progress.ts";
export * from "./run.ts";
export * from "./validate.ts";
