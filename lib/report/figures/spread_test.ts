/**
 * Issue 19: every throughput the ADR cites carries the spread of its repetitions ("CV …",
 * flagged beyond 10 %) or says it rests on one run. Rendered from the committed data only (no
 * engine), so it runs with the fast tests.
 */

import assert from "node:assert/strict";
import { FIGURE_SETS } from "../../registry.ts";
import { SINGLE_RUN } from "./spread.ts";
import { findFigures, listAdrs, mergeFigures, renderAdr } from "../adr.ts";

/** A rate unit in a figure's text: what makes it a throughput. */
const RATE = /\b(?:ops|events|requests|transfers|writes|commits|queries|rows|MB|tx)\/s\b/;

/**
 * Rates the ADR cites that are not a mean of repetitions, so no spread belongs beside them:
 * configured inputs and the steps of a rate sweep. Each entry says why.
 */
const NOT_MEASURED: Readonly<Record<string, string>> = {
  "replication.rate": "the offered write rate of the lag runs (configured)",
  "search.reference_rate": "the sweep's lowest offered rate (configured)",
  "search.top_rate": "the sweep's highest offered rate (configured)",
  "search.hit_ratio": "a hit ratio, quoted at an offered rate of the sweep",
  "search.headroom_cached": "a headroom: the highest sweep step whose p99 met the objective",
  "search.headroom_cached_updates": "a headroom (sweep step)",
  "search.headroom.postgres-gin": "a headroom (sweep step)",
  "search.headroom.postgres-rum": "a headroom (sweep step)",
  "search.headroom.postgres-trgm": "a headroom (sweep step)",
  "search.headroom.sphinx": "a headroom (sweep step)",
  "search.headroom_updates.postgres-gin": "a headroom (sweep step)",
  "search.headroom_updates.postgres-rum": "a headroom (sweep step)",
  "search.headroom_updates.postgres-trgm": "a headroom (sweep step)",
  "search.headroom_updates.sphinx": "a headroom (sweep step)",
  "record.slo_table": "latencies against the objectives; its one rate is the reference rate",
};

const CLOSE = "<!-- /fig -->";

/**
 * Ids of rate figures in `markdown` (rendered) whose text states no spread. A figure with a
 * registered `<id>_context` companion may carry its spread there instead (the OLTP peaks:
 * "3 184 ops/s at 16 clients (CV 14 % — …; the harness reached …)"), when the companion
 * follows it at once.
 */
function withoutSpread(markdown: string, ids: ReadonlySet<string>): string[] {
  const { regions } = findFigures(markdown);
  const states = (text: string) => /\bCV \d/.test(text) || text.includes(SINGLE_RUN);
  const bad = regions.filter((r) => {
    if (!RATE.test(r.text) || r.id in NOT_MEASURED || states(r.text)) return false;
    const context = `${r.id}_context`;
    if (!ids.has(context)) return true;
    const after = markdown.slice(r.end + CLOSE.length);
    const next = after.match(/^\s*\(?\s*<!-- fig:([a-z0-9_.-]+) -->([^<]*)<!-- \/fig -->/);
    return !(next && next[1] === context && states(next[2]));
  });
  return [...new Set(bad.map((r) => r.id))];
}

Deno.test("every throughput the ADR cites carries its CV or says it is one run (issue 19)", async () => {
  const figures = mergeFigures(FIGURE_SETS);
  const ids = new Set(figures.keys());
  for (const id of Object.keys(NOT_MEASURED)) assert.ok(ids.has(id), `allow-listed ${id} exists`);
  let rates = 0;
  for (const file of await listAdrs()) {
    const { text, problems } = await renderAdr(await Deno.readTextFile(file), { figures }, file);
    assert.deepEqual(problems.filter((p) => p.kind === "error").map((p) => p.message), []);
    rates += findFigures(text).regions.filter((r) => RATE.test(r.text)).length;
    assert.deepEqual(withoutSpread(text, ids), [], `${file}: rates without their spread`);
  }
  assert.ok(rates > 40, `the ADR cites its throughputs (${rates} found)`);
});

Deno.test("withoutSpread finds a rate without CV and accepts a companion that states it", () => {
  const ids = new Set(["x.peak", "x.peak_context"]);
  const fig = (id: string, text: string) => `<!-- fig:${id} -->${text}${CLOSE}`;
  assert.deepEqual(withoutSpread(`a ${fig("x.tput", "12 ops/s")}`, ids), ["x.tput"]);
  assert.deepEqual(withoutSpread(`a ${fig("x.tput", "12 ops/s (CV 3 %)")}`, ids), []);
  assert.deepEqual(withoutSpread(`a ${fig("x.tput", `12 ops/s (${SINGLE_RUN})`)}`, ids), []);
  assert.deepEqual(withoutSpread(`a ${fig("replication.rate", "100 writes/s")}`, ids), []);
  assert.deepEqual(withoutSpread(`a ${fig("x.p99", "12 ms")}`, ids), []);
  const peak = fig("x.peak", "9 ops/s at 16 clients");
  assert.deepEqual(withoutSpread(`${peak}\n  (${fig("x.peak_context", "CV 4 %; …")})`, ids), []);
  assert.deepEqual(withoutSpread(`${peak} and later ${fig("x.peak_context", "CV 4 %")}`, ids), [
    "x.peak",
  ]);
});
