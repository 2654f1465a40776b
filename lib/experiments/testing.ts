/**
 * Test helper for experiments: a {@link Progress} that remembers what a run planned, measured
 * and skipped, so tests can prove the plan matches what the bindings declared.
 *
 * @module
 */

import type { Progress } from "./experiment.ts";

/** What a run reported to its progress display. */
export interface Seen {
  planned: number;
  steps: string[];
  skipped: [number, string][];
}

/** A progress sink recording plan, steps and skips. */
export function recordingProgress(): { seen: Seen; progress: Progress } {
  const seen: Seen = { planned: 0, steps: [], skipped: [] };
  const progress: Progress = {
    plan: (n) => (seen.planned = n),
    step: (l) => seen.steps.push(l),
    skip: (n, r) => seen.skipped.push([n, r]),
    log() {},
    detail() {},
  };
  return { seen, progress };
}
