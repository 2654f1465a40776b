/**
 * The one chart helper of the project: renders an Observable Plot specification on the server
 * (linkedom stands in for the browser DOM) to inline SVG markup, and wraps it in an object the
 * Deno Jupyter kernel displays as `text/html`.
 *
 * Why `text/html` and not `image/svg+xml`: nbconvert 6.5.3 sanitises SVG outputs away when it
 * exports HTML, while inline HTML (with the `<svg>` inside) survives. Why the `xmlns` attribute:
 * linkedom omits it, and without it the markup is not a valid standalone SVG document.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";

/** Options of {@link chart}: any Observable Plot options, plus a title and a caption. */
export interface ChartOptions extends Plot.PlotOptions {
  /** Heading shown above the chart (a short statement of what it shows). */
  title?: string;
  /** Sentence shown under the chart (data source, how to read it). */
  caption?: string;
}

/**
 * The key the Deno Jupyter kernel looks up on a cell's value to get its MIME bundle
 * (`Symbol.for`, so it is the same symbol the kernel's own code uses).
 */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** A rendered chart: its markup, and the hook the Deno Jupyter kernel calls to display it. */
export interface Chart {
  /** Full HTML fragment: a `<figure>` with title, legend, SVG and caption (or a bare SVG). */
  readonly html: string;
  /** The main plot as a standalone SVG document string (with `xmlns`). */
  readonly svg: string;
  /** Displayed by the Deno kernel; `text/html` so that nbconvert keeps the chart. */
  [JUPYTER_DISPLAY](): Record<string, string>;
}

const SVG_NS = "http://www.w3.org/2000/svg";
/** Readable in a notebook page and in the exported HTML (nbconvert's column is ~900 px). */
export const DEFAULT_WIDTH = 720;

/** Plot's default 10 px text is hard to read in exported pages; 12 px fits a 720 px chart. */
const DEFAULT_STYLE = { fontSize: "12px", overflow: "visible" };

/** Fills in the project's defaults: width and a readable font. */
function withDefaults(options: ChartOptions): Plot.PlotOptions {
  return { width: DEFAULT_WIDTH, style: DEFAULT_STYLE, ...options };
}

/** Plot's element exposes its scales; a colour scale means there is something to explain. */
type PlotElement = Element & { scale(name: string): unknown };

/** Renders with a fresh linkedom document and returns the root element (svg or figure). */
function renderElement(options: ChartOptions): Element {
  const { document } = parseHTML("<!DOCTYPE html><html><body></body></html>");
  const plotOptions = withDefaults(options);
  let el = Plot.plot({ ...plotOptions, document }) as unknown as PlotElement;
  // A colour scale without a legend leaves the reader guessing which line is which: render
  // again with the legend on, unless the caller said `legend: false` explicitly. Whether a
  // colour scale exists is only known after rendering (a stroke may be a constant colour).
  if (el.scale("color") !== undefined && options.color?.legend === undefined) {
    const color = { ...(options.color ?? {}), legend: true };
    el = Plot.plot({ ...plotOptions, color, document }) as unknown as PlotElement;
  }
  // Every svg (the plot and the legend swatches) gets the namespace linkedom leaves out.
  if (el.tagName.toLowerCase() === "svg") el.setAttribute("xmlns", SVG_NS);
  for (const svg of el.querySelectorAll("svg")) svg.setAttribute("xmlns", SVG_NS);
  return el;
}

/** The plot's own `<svg>` inside a figure (not a legend swatch, which lives in a span). */
function mainSvg(el: Element): Element {
  if (el.tagName.toLowerCase() === "svg") return el;
  const svgs = [...el.querySelectorAll("svg")].filter((s) =>
    s.parentElement?.tagName.toLowerCase() === "figure"
  );
  const svg = svgs[0];
  if (!svg) throw new Error("Plot rendered no <svg> element");
  return svg;
}

/**
 * Renders the plot's main chart to a standalone SVG string (with `xmlns`), without title,
 * legend or caption. For tests and for writing `.svg` files.
 */
export function renderSvg(options: ChartOptions): string {
  return mainSvg(renderElement(options)).outerHTML;
}

/**
 * Renders a chart. In a notebook cell, make it the cell's last expression (or pass it to
 * `Deno.jupyter.display`) and the kernel shows it as inline HTML, which survives HTML export.
 *
 * @example
 * ```ts
 * chart({ title: "Throughput", marks: [Plot.lineY(rows, { x: "clients", y: "value", stroke: "engine" })] })
 * ```
 */
export function chart(options: ChartOptions): Chart {
  const el = renderElement(options);
  const html = `<div class="bench-chart">${el.outerHTML}</div>`;
  const svg = mainSvg(el).outerHTML;
  const label = options.title ?? "chart";
  return {
    html,
    svg,
    [JUPYTER_DISPLAY]() {
      return { "text/html": html, "text/plain": `[chart: ${label}]` };
    },
  };
}

/** A row of tidy data: column name to value. */
export type Row = Record<string, unknown>;

/** Common options of the convenience wrappers. */
export interface ShapeOptions {
  /** Heading above the chart. */
  title?: string;
  /** Sentence under the chart. */
  caption?: string;
  /** Axis label of x (default: the column name). */
  xLabel?: string;
  /** Axis label of y (default: the column name). */
  yLabel?: string;
  /** Chart width in px (default {@link DEFAULT_WIDTH}). */
  width?: number;
  /** Chart height in px (default: Plot's). */
  height?: number;
  /** Extra marks drawn on top (e.g. a rule at a target value). */
  marks?: Plot.Markish[];
}

/** Options of {@link lineChart}. */
export interface LineChartOptions extends ShapeOptions {
  /** Column on the x axis (e.g. "clients"). */
  x: string;
  /** Column on the y axis (e.g. "value"). */
  y: string;
  /** Column that splits rows into coloured lines (e.g. "engine"). */
  series?: string;
  /** Column that splits the chart into side-by-side panels (e.g. "isolation"). */
  facet?: string;
  /** Logarithmic x scale (concurrency sweeps 1, 2, 4, … 64 read better on log2). */
  logX?: boolean;
  /** Logarithmic y scale (latencies spanning decades). */
  logY?: boolean;
  /** Columns of an interval around y (e.g. a 95 % CI), drawn as a vertical bar per point. */
  yLow?: string;
  /** Upper end of the interval; give both or neither. */
  yHigh?: string;
}

/** Lines (with dots at the measured points) of y against x, one coloured line per series. */
export function lineChart(data: readonly Row[], o: LineChartOptions): Chart {
  const enc = { x: o.x, y: o.y, stroke: o.series, fx: o.facet };
  return chart({
    title: o.title,
    caption: o.caption,
    width: o.width,
    height: o.height,
    grid: true,
    x: { label: o.xLabel ?? o.x, ...(o.logX ? { type: "log", base: 2 } : {}) },
    y: { label: o.yLabel ?? o.y, ...(o.logY ? { type: "log" } : { zero: true }) },
    marks: [
      Plot.lineY(data, { ...enc, sort: o.x }),
      Plot.dot(data, { ...enc, fill: o.series, r: 2.5 }),
      ...(o.yLow && o.yHigh
        ? [Plot.ruleX(data, { x: o.x, y1: o.yLow, y2: o.yHigh, stroke: o.series, fx: o.facet })]
        : []),
      ...(o.marks ?? []),
    ],
  });
}

/** Options of {@link barChart}. */
export interface BarChartOptions extends ShapeOptions {
  /** Column that forms the groups along the x axis (e.g. "isolation"). */
  group: string;
  /** Column of bar heights (e.g. "value"). */
  y: string;
  /** Column that splits each group into coloured bars (e.g. "engine"); omit for plain bars. */
  series?: string;
}

/** Vertical bars of y per group, side by side per series within each group. */
export function barChart(data: readonly Row[], o: BarChartOptions): Chart {
  const grouped = o.series !== undefined;
  return chart({
    title: o.title,
    caption: o.caption,
    width: o.width,
    height: o.height,
    y: { label: o.yLabel ?? o.y, grid: true },
    ...(grouped
      ? { fx: { label: o.xLabel ?? o.group }, x: { axis: null } }
      : { x: { label: o.xLabel ?? o.group } }),
    marks: [
      grouped
        ? Plot.barY(data, { fx: o.group, x: o.series, y: o.y, fill: o.series })
        : Plot.barY(data, { x: o.group, y: o.y }),
      Plot.ruleY([0]),
      ...(o.marks ?? []),
    ],
  });
}

/** Options of {@link cdfChart}. */
export interface CdfChartOptions extends ShapeOptions {
  /** Column of the measured values (e.g. "latency_ms"). */
  value: string;
  /** Column that splits rows into one curve per series. */
  series?: string;
  /** Logarithmic x scale (latency distributions have long tails). */
  logX?: boolean;
}

/** One point of an empirical CDF. */
interface CdfPoint {
  value: number;
  fraction: number;
  series: string;
}

/** The empirical distribution: per series, sorted values against the fraction ≤ each. */
export function empiricalCdf(
  data: readonly Row[],
  value: string,
  series?: string,
): CdfPoint[] {
  const groups = new Map<string, number[]>();
  for (const row of data) {
    const v = Number(row[value]);
    if (!Number.isFinite(v)) continue;
    const key = series === undefined ? "" : String(row[series]);
    const list = groups.get(key) ?? [];
    list.push(v);
    groups.set(key, list);
  }
  const points: CdfPoint[] = [];
  for (const [key, values] of groups) {
    values.sort((a, b) => a - b);
    values.forEach((v, i) =>
      points.push({ value: v, fraction: (i + 1) / values.length, series: key })
    );
  }
  return points;
}

/** Empirical cumulative distribution of a value column, one step curve per series. */
export function cdfChart(data: readonly Row[], o: CdfChartOptions): Chart {
  const points = empiricalCdf(data, o.value, o.series);
  return chart({
    title: o.title,
    caption: o.caption,
    width: o.width,
    height: o.height,
    grid: true,
    x: { label: o.xLabel ?? o.value, ...(o.logX ? { type: "log" } : {}) },
    y: { label: o.yLabel ?? "fraction ≤ x", domain: [0, 1] },
    ...(o.series === undefined ? {} : { color: { legend: true, label: o.series } }),
    marks: [
      Plot.line(points, {
        x: "value",
        y: "fraction",
        curve: "step-after",
        ...(o.series === undefined ? {} : { stroke: "series", z: "series" }),
      }),
      ...(o.marks ?? []),
    ],
  });
}
