/**
 * Runs the analytics experiment at `quick` scale and prints its rows and what it told its
 * progress (planned, steps, skips) as JSON on stdout, writing nothing to data/ or runs/. The
 * test runs it in a child process because embedded chDB binds one data directory per process,
 * and other test modules may have opened one already.
 */
import type { Progress } from "../../experiment.ts";
import { experimentParams } from "../../params.ts";
import { analyticsConfig, runAnalytics } from "../mod.ts";

const seen = { planned: 0, steps: [] as string[], skipped: [] as [number, string][] };
const progress: Progress = {
  plan: (n) => (seen.planned = n),
  step: (label) => seen.steps.push(label),
  skip: (n, reason) => seen.skipped.push([n, reason]),
  log() {},
  detail() {},
};
const config = analyticsConfig(experimentParams({ scale: "quick" }));
const tables = await runAnalytics(config, progress);
console.log(JSON.stringify({ rows: tables.analytics_aggregation, seen }));
