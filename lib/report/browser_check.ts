/**
 * Checks that exported report pages really draw their charts, in Debian's headless Chromium:
 * every chart's SVG has marks with non-zero bounding boxes, and the chart's area of a
 * screenshot is not blank.
 *
 * How, without a browser-automation package: a copy of the page gets a small script that
 * measures the charts after `load` and writes the result into the DOM; one Chromium run with
 * `--dump-dom --screenshot` returns that DOM and a PNG, which is decoded here (node:zlib).
 *
 * @module
 */
import { basename, join } from "node:path";
import { inflateSync } from "node:zlib";

/** Debian's Chromium (never a downloaded browser). */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags that keep headless Chromium quiet, offline and sandbox-free (we run as root). */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
  "--force-device-scale-factor=1",
  // Lets the page's load event (and MathJax from file://) finish before the DOM is dumped.
  "--virtual-time-budget=5000",
];
const WIDTH = 1200;
/** Screenshots taller than this are not worth the memory; longer pages are cut. */
const MAX_HEIGHT = 16000;
const RESULT_ID = "__bench_browser_check";

/** A rectangle in page pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the browser measured for one chart (a `.bench-chart` made by lib/report/chart.ts). */
export interface ChartMeasure {
  /** Mark elements (path, rect, circle, line, …) in the chart's main SVG. */
  marks: number;
  /** Marks whose bounding box has non-zero width and height. */
  drawn: number;
  /** Where the chart's SVG is on the page. */
  box: Box;
}

/** The verdict on one chart. */
export interface ChartCheck extends ChartMeasure {
  /** Distinct colours in the chart's area of the screenshot. */
  colours: number;
  /** Fraction of the area's pixels that differ from its most common colour. */
  ink: number;
  /** Why the chart is not drawn, if it is not. */
  problem?: string;
}

/** The verdict on one page. */
export interface PageCheck {
  /** Path of the checked page. */
  page: string;
  /** Number of `<svg>` elements on the page. */
  svgs: number;
  /** One entry per chart. */
  charts: ChartCheck[];
  /** Distinct colours in the whole screenshot. */
  colours: number;
  /** Problems found; empty when the page passes. */
  problems: string[];
}

/** Runs in the page: measures every chart and writes the result into a hidden element. */
const PROBE = `<script>
window.addEventListener("load", () => {
  const marks = "path, rect, circle, line, polyline, polygon, ellipse";
  const charts = [...document.querySelectorAll(".bench-chart")].map((c) => {
    const svg = c.querySelector("figure > svg, .bench-chart > svg") ?? c.querySelector("svg");
    const all = svg ? [...svg.querySelectorAll(marks)] : [];
    const drawn = all.filter((m) => {
      const r = m.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    }).length;
    const r = (svg ?? c).getBoundingClientRect();
    return {
      marks: all.length,
      drawn,
      box: { x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height },
    };
  });
  const out = document.createElement("pre");
  out.id = "${RESULT_ID}";
  out.hidden = true;
  out.textContent = JSON.stringify({
    svgs: document.querySelectorAll("svg").length,
    charts,
    height: document.documentElement.scrollHeight,
  });
  document.body.appendChild(out);
});
</script>`;

/** What the probe reports. */
interface ProbeResult {
  svgs: number;
  charts: ChartMeasure[];
  height: number;
}

/** A decoded 8-bit RGB(A) image. */
export interface Image {
  width: number;
  height: number;
  /** 3 (RGB) or 4 (RGBA). */
  channels: number;
  /** Row-major pixels, `channels` bytes each. */
  pixels: Uint8Array;
}

/** The Paeth predictor of the PNG specification. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes a non-interlaced 8-bit RGB or RGBA PNG (what Chromium's `--screenshot` writes).
 * Small on purpose: the check needs pixels, not a general image library.
 */
export function decodePng(bytes: Uint8Array): Image {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!signature.every((b, i) => bytes[i] === b)) throw new Error("not a PNG file");
  let width = 0, height = 0, channels = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, colourType, , , interlace] = data.subarray(8, 13);
      channels = colourType === 2 ? 3 : colourType === 6 ? 4 : 0;
      if (depth !== 8 || channels === 0 || interlace !== 0) {
        throw new Error(`unsupported PNG (depth ${depth}, colour type ${colourType})`);
      }
    } else if (type === "IDAT") {
      idat.push(data);
    } else if (type === "IEND") {
      break;
    }
    at += 12 + length;
  }
  const raw = new Uint8Array(inflateSync(concat(idat)));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[row + x - channels] : 0;
      const b = y > 0 ? pixels[row - stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[row - stride + x - channels] : 0;
      const predictor = filter === 0
        ? 0
        : filter === 1
        ? a
        : filter === 2
        ? b
        : filter === 3
        ? (a + b) >> 1
        : paeth(a, b, c);
      pixels[row + x] = (src[x] + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Concatenates byte arrays. */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Colour statistics of a region of an image (clipped to the image): how many distinct colours,
 * and what fraction of pixels differ from the most common one (the background). A blank
 * region has one colour and no ink.
 */
export function regionStats(img: Image, box?: Box): { colours: number; ink: number } {
  const x0 = Math.max(0, Math.floor(box?.x ?? 0));
  const y0 = Math.max(0, Math.floor(box?.y ?? 0));
  const x1 = Math.min(img.width, Math.ceil(box ? box.x + box.width : img.width));
  const y1 = Math.min(img.height, Math.ceil(box ? box.y + box.height : img.height));
  const counts = new Map<number, number>();
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * img.width + x) * img.channels;
      const key = (img.pixels[i] << 16) | (img.pixels[i + 1] << 8) | img.pixels[i + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const total = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const background = Math.max(0, ...counts.values());
  return { colours: counts.size, ink: total === 0 ? 0 : (total - background) / total };
}

/** Options of {@link checkPage}. */
export interface CheckOptions {
  /** Minimum number of charts the page must have (default 1). */
  minCharts?: number;
  /** Minimum ink fraction in a chart's area (default 0.002: a single thin line passes). */
  minInk?: number;
  /** Keep the screenshot here (default: discarded). */
  screenshotPath?: string;
  /** Chromium binary (default {@link CHROMIUM}). */
  chromium?: string;
}

/** One Chromium run: returns the probe's result and the screenshot. */
async function capture(
  probePage: string,
  shot: string,
  profile: string,
  height: number,
  chromium: string,
): Promise<ProbeResult> {
  const out = await new Deno.Command(chromium, {
    args: [
      ...FLAGS,
      `--user-data-dir=${profile}`,
      `--window-size=${WIDTH},${height}`,
      `--screenshot=${shot}`,
      "--dump-dom",
      `file://${probePage}`,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const dom = new TextDecoder().decode(out.stdout);
  const match = dom.match(new RegExp(`<pre id="${RESULT_ID}"[^>]*>(.*?)</pre>`, "s"));
  if (!match) {
    const tail = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join("\n");
    throw new Error(`chromium returned no measurements (exit ${out.code}):\n${tail}`);
  }
  // The DOM dump escapes text content; the JSON contains no markup, only &quot; risk is none
  // (JSON quotes are not escaped in text nodes), but & < > are.
  const json = match[1].replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
  return JSON.parse(json) as ProbeResult;
}

/**
 * Opens one exported page in headless Chromium and checks each chart: marks with non-zero
 * bounding boxes, and a non-blank area in a screenshot. The page passes when `problems` is
 * empty.
 */
export async function checkPage(page: string, options: CheckOptions = {}): Promise<PageCheck> {
  const work = await Deno.makeTempDir({ prefix: "bench-chromium-" });
  try {
    const html = await Deno.readTextFile(page);
    const probePage = join(work, basename(page));
    const at = html.lastIndexOf("</body>");
    await Deno.writeTextFile(
      probePage,
      at < 0 ? html + PROBE : html.slice(0, at) + PROBE + html.slice(at),
    );
    const shot = options.screenshotPath ?? join(work, "screenshot.png");
    const chromium = options.chromium ?? CHROMIUM;
    // A fresh profile per run: no state from other runs or users.
    let probe = await capture(probePage, shot, join(work, "profile-1"), 2000, chromium);
    const bottom = Math.max(0, ...probe.charts.map((c) => c.box.y + c.box.height));
    if (bottom > 2000) {
      // The charts are below the first window: shoot again with the window as tall as the page.
      const height = Math.min(MAX_HEIGHT, Math.ceil(Math.max(probe.height, bottom)));
      probe = await capture(probePage, shot, join(work, "profile-2"), height, chromium);
    }
    const img = decodePng(await Deno.readFile(shot));
    return judge(page, probe, img, options);
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** Turns measurements and a screenshot into a verdict. */
function judge(page: string, probe: ProbeResult, img: Image, options: CheckOptions): PageCheck {
  const minCharts = options.minCharts ?? 1;
  const minInk = options.minInk ?? 0.002;
  const problems: string[] = [];
  const whole = regionStats(img);
  if (whole.colours < 2) problems.push("the screenshot is blank (a single colour)");
  if (probe.svgs === 0 && minCharts > 0) problems.push("the page has no <svg>");
  if (probe.charts.length < minCharts) {
    problems.push(`expected at least ${minCharts} chart(s), found ${probe.charts.length}`);
  }
  const charts = probe.charts.map((c, i): ChartCheck => {
    const stats = regionStats(img, c.box);
    const why = c.box.width === 0 || c.box.height === 0
      ? "its SVG has no size"
      : c.drawn === 0
      ? `none of its ${c.marks} marks has a non-zero bounding box`
      : c.box.y + c.box.height > img.height
      ? "it lies beyond the screenshot"
      : stats.colours < 2 || stats.ink < minInk
      ? `its area is blank in the screenshot (${stats.colours} colours, ink ${stats.ink})`
      : undefined;
    if (why) problems.push(`chart ${i + 1}: ${why}`);
    return { ...c, ...stats, ...(why ? { problem: why } : {}) };
  });
  return { page, svgs: probe.svgs, charts, colours: whole.colours, problems };
}

/** Checks every page of a report folder, the index included; returns one verdict per page. */
export async function checkReport(dir: string, options: CheckOptions = {}): Promise<PageCheck[]> {
  const pages: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    // index.html too: the front page renders the decision record with its matrix charts.
    if (entry.isFile && entry.name.endsWith(".html")) {
      pages.push(join(dir, entry.name));
    }
  }
  const results: PageCheck[] = [];
  // One Chromium at a time: the machine has two cores shared with others.
  for (const page of pages.sort()) results.push(await checkPage(page, options));
  return results;
}
