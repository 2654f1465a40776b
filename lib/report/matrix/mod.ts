/**
 * The decision matrix as results: a derived experiment (`./denow task run matrix`, the main job's
 * last step) that scores every decision from the committed data/, weighs it with ./weights.ts,
 * and writes data/decision_matrix.csv — scores with their basis and rule, weights, totals and
 * the weight changes that would flip each choice. Its figures and charts feed the record and
 * the report's front page.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import type { Experiment, Progress } from "../../experiments/experiment.ts";
import type { ExperimentParams } from "../../experiments/params.ts";
import { runIdentity } from "../../experiments/params.ts";
import { type FigureSet, formatNumber, markdownTable } from "../../results/figure.ts";
import { collectProvenance, type ResultRow, ResultSet } from "../../results/mod.ts";
import { DATA_DIR } from "../../results/paths.ts";
import { figureData } from "../adr.ts";
import { barChart, type Chart, chart } from "../chart.ts";
import { d1, d2, d3, d4 } from "./core_decisions.ts";
import { d6 } from "./sharding_decision.ts";
import { d5, d7, d8 } from "./later_decisions.ts";
import { d9 } from "./search_decision.ts";
import { closestFlip, type DecisionSpec, type ScoredDecision, scoreDecision } from "./matrix.ts";
import { CRITERIA } from "./weights.ts";

/** The CSV of the matrix. */
export const MATRIX_TABLE = "decision_matrix";

/** Every decision the matrix scores, in the record's order. */
export const DECISIONS: readonly DecisionSpec[] = [d1, d2, d3, d4, d5, d6, d7, d8, d9];

/** Configuration: where the committed data is read from. */
export interface MatrixConfig extends ExperimentParams {
  dataDir: string;
}

const WHO = { engine: "derived", version: "-", provider: "-" };

/** Scores every decision and returns the matrix table. */
export async function runMatrix(config: MatrixConfig, progress: Progress) {
  const rs = new ResultSet(await collectProvenance());
  const data = figureData(config.dataDir);
  progress.plan(DECISIONS.length);
  for (const spec of DECISIONS) {
    progress.step(`${spec.id} ${spec.title}`);
    const d = await scoreDecision(spec, data);
    const run = rs.run(runIdentity(MATRIX_TABLE, config, WHO, "", 0, { decision: d.id }));
    for (const c of CRITERIA) run.add("weight", d.weights[c], "weight", { criterion: c });
    for (const s of d.scores) {
      run.add("score", s.score, "1-5", {
        option: s.option,
        criterion: s.criterion,
        basis: s.basis,
        rule: s.rule,
      });
    }
    for (const t of d.totals) run.add("total", t.total, "1-5", { option: t.option });
    for (const f of d.flips) {
      run.add("flip_weight", f.to, "weight", { criterion: f.criterion, option: f.challenger });
    }
    run.end(0);
    const flip = closestFlip(d);
    progress.log(
      `${d.id}: ${d.winner} ${d.totals[0].total.toFixed(2)}; ${
        flip ? `flips to ${flip.challenger} at ${flip.criterion} ${flip.to.toFixed(2)}` : "no flip"
      }`,
    );
  }
  return { [MATRIX_TABLE]: rs.rows() };
}

/** The matrix as a derived experiment (it reads data/, starts no engine). */
export const matrix: Experiment<MatrixConfig> = {
  id: "matrix",
  title: "decision matrix: weighted scores from the committed results",
  notebook: "",
  tables: [MATRIX_TABLE],
  module: import.meta.url,
  config: (params, options = {}) => ({ ...params, dataDir: DATA_DIR, ...options }),
  run: runMatrix,
};

/** A decision read back from the matrix table. */
export function decisionFrom(rows: readonly ResultRow[], id: string): ScoredDecision {
  const mine = rows.filter((r) => r.decision === id);
  if (mine.length === 0) throw new Error(`decision_matrix.csv has no rows for ${id}`);
  const weights = Object.fromEntries(
    mine.filter((r) => r.metric === "weight").map((r) => [String(r.criterion), r.value]),
  ) as ScoredDecision["weights"];
  const totals = mine.filter((r) => r.metric === "total")
    .map((r) => ({ option: String(r.option), total: r.value }))
    .sort((a, b) => b.total - a.total);
  return {
    id,
    title: DECISIONS.find((d) => d.id === id)?.title ?? id,
    weights,
    scores: mine.filter((r) => r.metric === "score").map((r) => ({
      option: String(r.option),
      criterion: String(r.criterion) as ScoredDecision["scores"][number]["criterion"],
      score: r.value,
      basis: String(r.basis) as "measured" | "judgement",
      rule: String(r.rule),
    })),
    totals,
    winner: totals[0].option,
    flips: mine.filter((r) => r.metric === "flip_weight").map((r) => ({
      criterion: String(r.criterion) as ScoredDecision["flips"][number]["criterion"],
      challenger: String(r.option),
      from: weights[String(r.criterion) as keyof typeof weights],
      to: r.value,
    })),
  };
}

const two = (x: number) => formatNumber(x, { decimals: 2 });

/** The ADR's matrix figures: per decision its winner and the closest flip. */
export const matrixFigures: FigureSet = Object.fromEntries(DECISIONS.flatMap((spec) => {
  const key = spec.id.toLowerCase();
  const load = async (d: Parameters<FigureSet[string]>[0]) =>
    decisionFrom(await d.rows(`${MATRIX_TABLE}.csv`), spec.id);
  return [
    [`matrix.${key}.winner`, async (d) => {
      const m = await load(d);
      const [a, b] = m.totals;
      // Totals equal to the shown precision are a tie, not a win by listing order.
      return two(a.total) === two(b.total)
        ? `${a.option} and ${b.option} tie at ${
          two(a.total)
        } of 5 (the matrix does not separate them)`
        : `${a.option} ${two(a.total)} of 5 (next: ${b.option} ${two(b.total)})`;
    }],
    [`matrix.${key}.flip`, async (d) => {
      const f = closestFlip(await load(d));
      if (!f) return "no change of a single weight would choose another option";
      // A flip closer than the shown precision gets the decimals that tell the weights apart.
      const decimals = [2, 3, 4].find((n) =>
        formatNumber(f.from, { decimals: n }) !== formatNumber(f.to, { decimals: n })
      ) ?? 4;
      const w = (x: number) =>
        formatNumber(x, { decimals });
      return `the ${f.criterion} weight from ${w(f.from)} to ${
        w(f.to)
      } would choose ${f.challenger}`;
    }],
    [`matrix.${key}.table`, async (d) => {
      const m = await load(d);
      const cell = (option: string, c: string) => {
        const s = m.scores.find((x) => x.option === option && x.criterion === c);
        return s
          ? `${formatNumber(s.score, { decimals: 1 })}${s.basis === "judgement" ? "*" : ""}`
          : "–";
      };
      const header = ["option", ...CRITERIA.map((c) => `${c} (${two(m.weights[c])})`), "total"];
      const lines = m.totals.map((
        t,
      ) => [t.option, ...CRITERIA.map((c) => cell(t.option, c)), two(t.total)]);
      return "\n\n" + markdownTable(header, lines) + "\n\n";
    }],
    [`matrix.${key}.judged`, async (d) => {
      const m = await load(d);
      const j = m.scores.filter((s) => s.basis === "judgement").length;
      return `${m.scores.length - j} of ${m.scores.length} scores measured, ${j} judged`;
    }],
  ];
}));

/** The matrix as a heat map: one panel per decision, options × criteria, weighted totals. */
export async function matrixChart(dataDir = DATA_DIR): Promise<Chart> {
  const rows = await figureData(dataDir).rows(`${MATRIX_TABLE}.csv`);
  const cells = rows.filter((r) => r.metric === "score").map((r) => ({
    decision: String(r.decision),
    option: String(r.option),
    criterion: String(r.criterion),
    score: r.value,
    mark: r.basis === "judgement" ? `${r.value}*` : `${r.value}`,
  }));
  return chart({
    title: "Decision matrix: scores 1–5 per criterion (* judgement, else measured)",
    caption:
      "Weights in lib/report/matrix/weights.ts; totals and rules in data/decision_matrix.csv.",
    width: 900,
    height: 130 * DECISIONS.length,
    marginLeft: 190,
    x: { domain: [...CRITERIA], label: null },
    y: { label: null },
    fy: { label: null },
    // Quantized: a continuous ramp legend needs a canvas, which the server-side DOM lacks.
    color: {
      type: "quantize",
      domain: [1, 5],
      n: 8,
      scheme: "RdYlGn",
      legend: true,
      label: "score",
    },
    marks: [
      Plot.cell(cells, { x: "criterion", y: "option", fy: "decision", fill: "score" }),
      Plot.text(cells, { x: "criterion", y: "option", fy: "decision", text: "mark" }),
    ],
  });
}

/** How far each weight must move to flip each decision (the sensitivity analysis). */
export async function sensitivityChart(dataDir = DATA_DIR): Promise<Chart> {
  const rows = await figureData(dataDir).rows(`${MATRIX_TABLE}.csv`);
  const data = DECISIONS.flatMap((spec) => {
    const d = decisionFrom(rows, spec.id);
    return d.flips.map((f) => ({
      decision: d.id,
      criterion: f.criterion,
      change: f.to - f.from,
      label: `${f.challenger}`,
    }));
  });
  return barChart(data, {
    title: "Weight change that would flip each decision (per criterion)",
    caption: "Bars: new weight − current weight at which another option ties the winner; a " +
      "criterion missing from a decision cannot flip it on its own.",
    group: "decision",
    series: "criterion",
    y: "change",
    yLabel: "weight change",
  });
}
