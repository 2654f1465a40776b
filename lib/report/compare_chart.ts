/**
 * A run beside the committed results, for any notebook: with `BENCH_COMPARE=runs/<dir>` a
 * notebook's last cell plots, for every metric both sides measured at the same configuration,
 * the run's mean over the committed mean (log scale, 1 = unchanged), so what moved stands out
 * without reading every chart twice. Without it the cell says how to ask for one.
 *
 * @module
 */

import * as Plot from "@observablehq/plot";
import type { Tables } from "../experiments/experiment.ts";
import { FIXED_COLUMNS, type ResultRow } from "../results/schema.ts";
import { type Chart, chart } from "./chart.ts";

/** One configuration's change: run mean / committed mean of one metric. */
export interface Change {
  table: string;
  metric: string;
  /** The configuration (dimension values) it was measured at. */
  config: string;
  before: number;
  after: number;
  ratio: number;
}

function key(r: ResultRow): string {
  return Object.keys(r).filter((k) => !FIXED_COLUMNS.includes(k) && r[k] !== "")
    .sort().map((k) => `${k}=${r[k]}`).join(" ");
}

function means(
  rows: readonly ResultRow[],
): Map<string, { metric: string; config: string; mean: number }> {
  const acc = new Map<string, { metric: string; config: string; sum: number; n: number }>();
  for (const r of rows) {
    const config = `${r.engine} ${key(r)}`.trim();
    const k = `${r.metric}\u0000${config}`;
    const a = acc.get(k) ?? { metric: r.metric, config, sum: 0, n: 0 };
    a.sum += r.value;
    a.n++;
    acc.set(k, a);
  }
  return new Map(
    [...acc].map(([k, a]) => [k, { metric: a.metric, config: a.config, mean: a.sum / a.n }]),
  );
}

/** Every metric measured at the same configuration on both sides, with its ratio. */
export function changes(before: Tables, after: Tables): Change[] {
  const out: Change[] = [];
  for (const table of Object.keys(after)) {
    if (!before[table]) continue;
    const a = means(before[table]), b = means(after[table]);
    for (const [k, x] of b) {
      const y = a.get(k);
      if (!y || y.mean === 0 || x.mean === 0 || Math.sign(x.mean) !== Math.sign(y.mean)) continue;
      out.push({
        table,
        metric: x.metric,
        config: x.config,
        before: y.mean,
        after: x.mean,
        ratio: x.mean / y.mean,
      });
    }
  }
  return out;
}

/**
 * The comparison cell's output: a chart of run / committed per metric when a run is named,
 * else how to name one.
 */
export function comparisonView(before: Tables, after: Tables | undefined): Chart | string {
  if (!after) {
    return "To see a run of this experiment beside these committed results, start the notebook " +
      "(or `./denow task notebook`) with `BENCH_COMPARE=runs/<dir>` — or run " +
      "`./denow task compare runs/<dir>` for the record's figures side by side.";
  }
  const data = changes(before, after);
  if (data.length === 0) return "The run and the committed results share no configuration.";
  const metrics = [...new Set(data.map((d) => d.metric))].slice(0, 40);
  return chart({
    title: "The run against the committed results: run mean / committed mean per configuration",
    caption:
      `${data.length} configurations of ${metrics.length} metrics; 1 = unchanged (log scale).`,
    width: 900,
    height: 18 * metrics.length + 60,
    marginLeft: 200,
    x: { type: "log", label: "run / committed", grid: true },
    y: { domain: metrics, label: null },
    marks: [
      Plot.ruleX([1]),
      Plot.dot(data.filter((d) => metrics.includes(d.metric)), {
        x: "ratio",
        y: "metric",
        stroke: "table",
        title: (d: Change) => `${d.config}: ${d.before.toPrecision(3)} → ${d.after.toPrecision(3)}`,
      }),
    ],
  });
}
