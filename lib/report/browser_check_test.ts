import assert from "node:assert/strict";
import { join } from "node:path";
import { checkPage, checkReport, decodePng, regionStats } from "./browser_check.ts";
import { exportReport } from "./html.ts";
import { runNotebook } from "./notebooks.ts";
import { RECORD_CHARTS } from "../registry.ts";

const fixture = new URL("./testdata/chart.ipynb", import.meta.url).pathname;

Deno.test({
  name: "end to end: fixture notebook → Deno kernel → HTML export → chart drawn in Chromium",
  // Starts the real kernel, nbconvert and Chromium once each (~6 s).
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir();
    try {
      const executed = join(work, "chart.ipynb");
      const run = await runNotebook(fixture, { outPath: executed, log: () => {} });
      assert.equal(run.outPath, executed);
      const report = join(work, "report");
      const index = await exportReport([executed], report, RECORD_CHARTS);
      const indexHtml = await Deno.readTextFile(index);
      assert.match(indexHtml, /<a href="chart\.html">Chart fixture<\/a>/);
      const page = await Deno.readTextFile(join(report, "chart.html"));
      assert.match(page, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, "inline SVG survives");

      const shot = join(work, "shot.png");
      const [check, front, ...others] = await checkReport(report, { screenshotPath: shot });
      assert.equal(others.length, 0);
      // The front page renders the decision record with the matrix and sensitivity charts.
      assert.match(front.page, /index\.html$/);
      assert.deepEqual(front.problems, []);
      assert.equal(front.charts.length, 2);
      assert.deepEqual(check.problems, []);
      assert.equal(check.charts.length, 1);
      assert.ok(check.charts[0].drawn >= 5, "the line and its 4 dots have non-zero boxes");
      assert.ok(check.charts[0].ink > 0.002);
      // The PNG decoder agrees with what the browser drew: the chart area is not blank.
      const img = decodePng(await Deno.readFile(shot));
      assert.ok(regionStats(img, check.charts[0].box).colours > 1);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name: "a page whose chart has no drawn marks fails the check, saying why",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir();
    try {
      const page = join(work, "empty.html");
      await Deno.writeTextFile(
        page,
        `<!DOCTYPE html><html><body><p>text</p><div class="bench-chart">` +
          `<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">` +
          `<path d="M0,0"/><rect width="0" height="10"/></svg></div></body></html>`,
      );
      const check = await checkPage(page);
      assert.equal(check.charts.length, 1);
      assert.equal(check.charts[0].drawn, 0);
      assert.match(check.problems.join("\n"), /chart 1: none of its 2 marks/);
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test("regionStats tells a blank region from one with ink", () => {
  const pixels = new Uint8Array(4 * 4 * 3).fill(255);
  const img = { width: 4, height: 4, channels: 3, pixels };
  assert.deepEqual(regionStats(img), { colours: 1, ink: 0 });
  pixels.set([0, 0, 0], (1 * 4 + 1) * 3);
  assert.deepEqual(regionStats(img), { colours: 2, ink: 1 / 16 });
  assert.deepEqual(regionStats(img, { x: 2, y: 2, width: 2, height: 2 }), { colours: 1, ink: 0 });
});
