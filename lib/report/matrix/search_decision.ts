/**
 * The matrix of D9, the product search engine: scored from notebook 09's committed data
 * (latency at the common rate, headroom under the 200 ms objective, answer quality against an
 * independent BM25 ranking, sweeps that finished).
 *
 * @module
 */

import type { FigureData } from "../../results/figure.ts";
import {
  failure,
  headroom,
  latencyAt,
  quality,
  referenceRate,
} from "../../experiments/search/summary.ts";
import { type DecisionSpec, judged, measured, ratioScore, type Score } from "./matrix.ts";

/** Options as the record names them, and their bindings. */
const ENGINES = [
  ["Sphinx", "sphinx"],
  ["PostgreSQL RUM", "postgres-rum"],
  ["PostgreSQL GIN", "postgres-gin"],
  ["PostgreSQL pg_trgm", "postgres-trgm"],
] as const;

/** D9: which engine answers product searches. */
export const d9: DecisionSpec = {
  id: "D9",
  title: "Product search engine",
  options: ENGINES.map(([o]) => o),
  async scores(d: FigureData) {
    const lat = await d.rows("search_latency.csv");
    const head = await d.rows("search_headroom.csv");
    const ans = await d.rows("search_answers.csv");
    const rate = referenceRate(head);
    const p99 = (b: string) => latencyAt(lat, b, rate).mean;
    const room = (b: string) => headroom(head, b)?.rps ?? 0;
    const overlap = (b: string) => quality(ans, b, "overlap_bm25") ?? 0;
    const finished = (b: string) =>
      [["off", "off"], ["off", "on"]].filter(([c, u]) => !failure(head, b, c, u)).length / 2;
    const fastest = Math.min(...ENGINES.map(([, b]) => p99(b)));
    const widest = Math.max(...ENGINES.map(([, b]) => room(b)));
    const closest = Math.max(...ENGINES.map(([, b]) => overlap(b)));
    const scores: Score[] = [];
    for (const [option, b] of ENGINES) {
      scores.push(
        measured(
          option,
          "consistency",
          ratioScore(overlap(b) / closest),
          `1 + 4 × top-10 overlap with an independent BM25 ranking / the best engine's ` +
            `(${(100 * overlap(b)).toFixed(0)} %)`,
        ),
        measured(
          option,
          "performance",
          ratioScore(fastest / p99(b)),
          `1 + 4 × lowest p99 / this engine's at ${rate} requests/s (${p99(b).toFixed(1)} ms)`,
        ),
        measured(
          option,
          "scalability",
          ratioScore(room(b) / widest),
          `1 + 4 × highest rate with p99 under 200 ms, no cache / the best engine's ` +
            `(${room(b)} requests/s)`,
        ),
        measured(
          option,
          "reliability",
          ratioScore(finished(b)),
          "1 + 4 × share of its sweeps (idle catalog, catalog under updates) that finished " +
            "without the engine failing",
        ),
      );
    }
    scores.push(
      judged("Sphinx", "operations", 3, "a second server and a feed from PostgreSQL to keep"),
      judged("PostgreSQL RUM", "operations", 4, "an extension inside the orders' PostgreSQL"),
      judged("PostgreSQL GIN", "operations", 5, "built into PostgreSQL"),
      judged("PostgreSQL pg_trgm", "operations", 5, "a contrib extension of PostgreSQL"),
      judged("Sphinx", "cost", 4, "GPLv2 (Manticore, its fork, GPLv3); no paid tier needed"),
      judged("PostgreSQL RUM", "cost", 5, "PostgreSQL licence"),
      judged("PostgreSQL GIN", "cost", 5, "PostgreSQL licence"),
      judged("PostgreSQL pg_trgm", "cost", 5, "PostgreSQL licence"),
    );
    return scores;
  },
};
