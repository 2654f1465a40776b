/**
 * Runs the analytics experiment at `quick` scale and prints its rows as JSON on stdout,
 * writing nothing to data/. The test runs it in a child process because embedded chDB binds
 * one data directory per process, and other test modules may have opened one already.
 */
import { analyticsConfig, runAnalytics } from "../../analytics.ts";

const rows = await runAnalytics(
  analyticsConfig({ run: true, scale: "quick", progress: "silent" }),
  () => {},
);
console.log(JSON.stringify(rows));
