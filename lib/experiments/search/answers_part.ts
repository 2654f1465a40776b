/**
 * Answers that make sense, on every loaded binding, outside any load: the most popular
 * `answers.sample` distinct queries are asked once; the filter checker judges every returned
 * product; relevance-sorted answers are compared with the BM25 reference's top 10 and with
 * every other binding's; a misspelled query counts as found when its intended product is in
 * the top 10.
 *
 * @module
 */

import { Bm25Index, checkFilters, type SearchAnswer, topKOverlap } from "../../checks/search.ts";
import { QUERY_TYPES } from "../../workload/search.ts";
import { addRow, ANSWERS, identity, type Live, REFERENCE, type SearchRun } from "./context.ts";

const mean = (xs: readonly number[]) => xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;

/** Steps of the part: one per binding, one for the reference. */
export function answerSteps(bindings: number): number {
  return bindings + 1;
}

/** Ask the sample on every live binding and record the verdicts and overlaps. */
export async function answersPart(ctx: SearchRun, live: readonly Live[]): Promise<void> {
  const { config, progress } = ctx;
  const sample = ctx.log.slice(0, config.answers.sample);
  progress.step(`BM25 reference over ${ctx.products.length} products`);
  const t0 = performance.now();
  const bm25 = Bm25Index.forQueries(ctx.products, sample);
  const reference = new Map(sample.map((q) => [q.id, bm25.search(q, config.k).map((r) => r.id)]));
  const matches = new Map(sample.map((q) => [q.id, bm25.matches(q)]));
  addRow(ctx, ANSWERS, REFERENCE, "k1=1.2;b=0.75", 0, { binding: "bm25", part: "reference" }, [
    ["queries", sample.length, "count"],
    ["build_s", (performance.now() - t0) / 1000, "s"],
    ["median_matches", [...matches.values()].sort((a, b) => a - b)[matches.size >> 1], "count"],
  ]);
  const answers = new Map<string, Map<number, number[]>>();
  for (const l of live) {
    progress.step(`answers ${l.binding.name}`);
    const got = new Map<number, number[]>();
    const list: SearchAnswer[] = [];
    for (const q of sample) {
      const ids = await l.store.search(q, config.k, 0);
      got.set(q.id, ids);
      list.push({ query: q, ids });
    }
    answers.set(l.binding.name, got);
    const v = checkFilters(list, ctx.byId);
    const id = identity(l.engine);
    const dims = { binding: l.binding.name, part: "filters" };
    addRow(ctx, ANSWERS, id, l.engine.settings, 0, dims, [
      ["answers", v.answers, "count"],
      ["results", v.results, "count"],
      ["filter_violations", v.violations, "count"],
      ["price_order_violations", v.unsorted, "count"],
    ]);
    if (!v.ok) progress.log(`${l.binding.name}: filter checker: ${v.examples.join("; ")}`);
    for (const type of [...QUERY_TYPES, "all"] as const) {
      const qs = sample.filter((q) => type === "all" || q.type === type);
      if (qs.length === 0) continue;
      const ranked = qs.filter((q) => q.sort === "relevance" && q.type !== "typo");
      const overlap = ranked.map((q) =>
        topKOverlap(got.get(q.id)!, reference.get(q.id)!, config.k)
      );
      const empty = qs.filter((q) => got.get(q.id)!.length === 0).length;
      const metrics: [string, number, string][] = [
        ["queries", qs.length, "count"],
        ["empty_share", empty / qs.length, "share"],
      ];
      if (overlap.length) {
        metrics.push(["overlap_bm25", mean(overlap), "share"], [
          "overlap_queries",
          overlap.length,
          "count",
        ]);
      }
      const typos = qs.filter((q) => q.type === "typo");
      if (typos.length) {
        const found = typos.filter((q) => got.get(q.id)!.includes(q.seedProduct)).length;
        metrics.push(["typo_found", found / typos.length, "share"], [
          "typo_queries",
          typos.length,
          "count",
        ]);
      }
      addRow(ctx, ANSWERS, id, l.engine.settings, 0, {
        binding: l.binding.name,
        part: "quality",
        query_type: type,
      }, metrics);
    }
  }
  // Pairwise: relevance-sorted, non-typo queries both answered.
  const names = [...answers.keys()];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const a = answers.get(names[i])!, b = answers.get(names[j])!;
      const qs = sample.filter((q) => q.sort === "relevance" && q.type !== "typo");
      const o = qs.map((q) => topKOverlap(a.get(q.id)!, b.get(q.id)!, config.k));
      addRow(ctx, ANSWERS, REFERENCE, "", 0, {
        binding: names[i],
        other: names[j],
        part: "pairwise",
      }, [["overlap", mean(o), "share"], ["queries", o.length, "count"]]);
    }
  }
}
