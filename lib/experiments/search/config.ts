/**
 * Configuration of the product-search experiment: catalog and query log sizes, the rates of
 * the open-loop sweeps, the update load and the answer checks, with defaults per scale sized
 * so the default run fits about four minutes of the main job on two shared cores. Bad values
 * fail with one line prefixed `search:`.
 *
 * @module
 */

import { selectBindings } from "../binding.ts";
import type { ExperimentParams } from "../params.ts";
import { REQUIREMENTS } from "../../report/cited.ts";
import type { QueryLogSpec, SearchCatalogSpec } from "../../workload/search.ts";
import type { SearchBinding } from "./binding.ts";
import { SEARCH_BINDINGS } from "./bindings.ts";

/** Configuration of the experiment. */
export interface SearchConfig extends ExperimentParams {
  /** The engines (default: every binding of ./bindings.ts). */
  bindings: readonly SearchBinding[];
  /** Put the Redis result cache in front of the best binding. */
  cache: boolean;
  catalog: SearchCatalogSpec;
  queries: QueryLogSpec;
  /** Results asked per query (a results page). */
  k: number;
  load: {
    /** Offered rates of the sweep, requests/s, rising; a sweep stops after the first miss. */
    rates: readonly number[];
    /** The rate every binding is compared at (one of `rates`; the lowest, which every sweep runs). */
    referenceRate: number;
    /** Seconds measured per rate, after `warmupS`. */
    durationS: number;
    warmupS: number;
    /** Connections (and open-loop slots) per store. */
    connections: number;
    /** The latency objective, ms at p99 (the platform's requirement). */
    sloMs: number;
    /** A rate misses when more than this share of requests fail. */
    maxErrorShare: number;
  };
  updates: {
    /** Product changes per second during the update sweeps. */
    perS: number;
    /** Give up looking for a changed product after this many ms (counted as not found). */
    freshnessTimeoutMs: number;
  };
  cacheTtlS: number;
  answers: {
    /** Distinct queries (the most popular first) whose answers are checked and compared. */
    sample: number;
  };
}

function fail(message: string): never {
  throw new Error(`search: ${message}`);
}

function int(name: string, v: number, min = 1, max = 1e9) {
  if (!Number.isInteger(v) || v < min || v > max) {
    fail(`${name} must be an integer ${min}..${max}, got ${v}`);
  }
}

function positive(name: string, v: number) {
  if (!(typeof v === "number" && Number.isFinite(v) && v > 0)) {
    fail(`${name} must be > 0, got ${v}`);
  }
}

type Options =
  & Partial<Omit<SearchConfig, "catalog" | "queries" | "load" | "updates" | "answers">>
  & {
    engines?: readonly string[];
    catalog?: Partial<SearchCatalogSpec>;
    queries?: Partial<QueryLogSpec>;
    load?: Partial<SearchConfig["load"]>;
    updates?: Partial<SearchConfig["updates"]>;
    answers?: Partial<SearchConfig["answers"]>;
  };

/** Products per scale: 10^5 by default (10^6 at `large`, beyond the main job's time). */
export const SEARCH_PRODUCTS: Readonly<Record<string, number>> = {
  quick: 2_000,
  default: 100_000,
  large: 1_000_000,
};

/** Defaults per scale, overridden by `options`; validated. */
export function searchConfig(params: ExperimentParams, options: Options = {}): SearchConfig {
  const quick = params.scale === "quick";
  const products = SEARCH_PRODUCTS[params.scale] ?? SEARCH_PRODUCTS.default;
  const { engines, catalog, queries, load, updates, answers, ...rest } = options;
  const config: SearchConfig = {
    ...params,
    bindings: selectBindings("search", SEARCH_BINDINGS, engines),
    cache: true,
    k: 10,
    cacheTtlS: 60,
    ...rest,
    catalog: {
      products,
      vocabulary: quick ? 3_000 : 30_000,
      termSkew: 1.0,
      brands: quick ? 50 : 500,
      categories: quick ? 10 : 60,
      titleWords: 5,
      descriptionWords: 24,
      inStockShare: 0.85,
      ...catalog,
    },
    queries: {
      queries: quick ? 300 : 5_000,
      popularitySkew: 0.99,
      ...queries,
    },
    load: {
      rates: quick ? [20, 80] : [25, 50, 100, 200, 400, 800, 1600],
      referenceRate: quick ? 20 : 25,
      durationS: quick ? 0.6 : 2,
      warmupS: quick ? 0.2 : 0.5,
      connections: 8,
      sloMs: REQUIREMENTS.search_p99_ms.value,
      maxErrorShare: 0.01,
      ...load,
    },
    updates: {
      perS: quick ? 10 : 20,
      freshnessTimeoutMs: 5_000,
      ...updates,
    },
    answers: {
      sample: quick ? 100 : 200,
      ...answers,
    },
  };
  const c = config.catalog;
  int("catalog.products", c.products, 10, 1e7);
  int("catalog.vocabulary", c.vocabulary, 10, 1e6);
  positive("catalog.termSkew", c.termSkew);
  int("catalog.brands", c.brands, 1, 1e5);
  int("catalog.categories", c.categories, 1, 1e4);
  int("catalog.titleWords", c.titleWords, 2, 50);
  int("catalog.descriptionWords", c.descriptionWords, 0, 500);
  if (!(c.inStockShare >= 0 && c.inStockShare <= 1)) fail("catalog.inStockShare must be in [0, 1]");
  int("queries.queries", config.queries.queries, 10, 1e6);
  positive("queries.popularitySkew", config.queries.popularitySkew);
  int("k", config.k, 1, 1000);
  const l = config.load;
  if (l.rates.length === 0) fail("load.rates must not be empty");
  l.rates.forEach((r, i) => {
    positive("load rate", r);
    if (i > 0 && r <= l.rates[i - 1]) fail(`load.rates must rise, got ${l.rates.join(", ")}`);
  });
  if (!l.rates.includes(l.referenceRate)) {
    fail(`load.referenceRate ${l.referenceRate} must be one of load.rates (${l.rates.join(", ")})`);
  }
  positive("load.durationS", l.durationS);
  if (!(l.warmupS >= 0)) fail(`load.warmupS must be >= 0, got ${l.warmupS}`);
  int("load.connections", l.connections, 1, 256);
  positive("load.sloMs", l.sloMs);
  if (!(l.maxErrorShare >= 0 && l.maxErrorShare < 1)) fail("load.maxErrorShare must be in [0, 1)");
  positive("updates.perS", config.updates.perS);
  int("updates.freshnessTimeoutMs", config.updates.freshnessTimeoutMs, 10, 600_000);
  int("cacheTtlS", config.cacheTtlS, 1, 86_400);
  int("answers.sample", config.answers.sample, 1, config.queries.queries);
  return config;
}
