/**
 * The record's own provenance: the one scale its figures come from and the commit (and code)
 * of each experiment's committed run, read from data/manifest.json.
 *
 * @module
 */

import type { FigureSet } from "../../results/figure.ts";

/** Figures about where the record's data came from. */
export const provenanceFigures: FigureSet = {
  /** The scale of every committed table: one name, or an error (the record uses one scale). */
  "adr.scale": async (d) => {
    const entries = Object.values((await d.manifest()).tables);
    const scales = [...new Set(entries.map((e) => e.scale))];
    if (scales.length !== 1) {
      throw new Error(`data/ mixes scales (${scales.join(", ")}): the record uses one scale`);
    }
    return scales[0];
  },
  /** Per experiment: the commit its committed run was measured at. */
  "adr.commits": async (d) => {
    const byExperiment = new Map<string, Set<string>>();
    for (const e of Object.values((await d.manifest()).tables)) {
      const set = byExperiment.get(e.experiment) ?? new Set();
      set.add(
        e.git_commit.split("+").map((c) => c.slice(0, 7)).join("+") + (e.git_dirty ? "*" : ""),
      );
      byExperiment.set(e.experiment, set);
    }
    return [...byExperiment].map(([exp, commits]) => `${exp} ${[...commits].join("/")}`).join(", ");
  },
};
