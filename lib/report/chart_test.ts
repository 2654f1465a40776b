import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import {
  barChart,
  cdfChart,
  chart,
  empiricalCdf,
  JUPYTER_DISPLAY,
  lineChart,
  renderSvg,
} from "./chart.ts";

const rows = [
  { clients: 1, engine: "postgresql", value: 100 },
  { clients: 4, engine: "postgresql", value: 350 },
  { clients: 1, engine: "mariadb", value: 90 },
  { clients: 4, engine: "mariadb", value: 300 },
];

Deno.test("renderSvg returns a standalone SVG with the namespace linkedom leaves out", () => {
  const svg = renderSvg({ marks: [Plot.dot(rows, { x: "clients", y: "value" })] });
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<circle /);
  assert.match(svg, /width="720"/);
});

Deno.test("chart displays as text/html (nbconvert drops image/svg+xml) with title, legend, caption", () => {
  const c = lineChart(rows, {
    x: "clients",
    y: "value",
    series: "engine",
    title: "Throughput by engine",
    caption: "Source: data/test.csv",
  });
  const bundle = c[JUPYTER_DISPLAY]();
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  const html = bundle["text/html"];
  assert.match(html, /Throughput by engine/);
  assert.match(html, /Source: data\/test\.csv/);
  assert.match(html, /swatch/, "colour is used, so a legend is drawn");
  assert.match(html, />postgresql</);
  for (const tag of html.match(/<svg [^>]*>/g) ?? []) assert.match(tag, /xmlns=/);
  assert.match(c.svg, /^<svg /);
});

Deno.test("an explicit legend: false is respected", () => {
  const c = chart({
    color: { legend: false },
    marks: [Plot.lineY(rows, { x: "clients", y: "value", stroke: "engine" })],
  });
  assert.doesNotMatch(c.html, /swatch/);
});

Deno.test("barChart and cdfChart draw their marks", () => {
  const bars = barChart(rows, { group: "clients", y: "value", series: "engine" });
  assert.equal((bars.svg.match(/<rect /g) ?? []).length, 4);
  const cdf = cdfChart(rows, { value: "value", series: "engine" });
  assert.equal((cdf.svg.match(/<path [^>]*d="M/g) ?? []).length >= 2, true);
});

Deno.test("empiricalCdf ends at 1 per series and is sorted", () => {
  const points = empiricalCdf(rows, "value", "engine");
  const pg = points.filter((p) => p.series === "postgresql");
  assert.deepEqual(pg.map((p) => [p.value, p.fraction]), [[100, 0.5], [350, 1]]);
});
