/**
 * A seeded product catalog and query log for product search (notebook 09): products with
 * title, description, brand, category, attributes, price and stock, whose words come from a
 * synthetic vocabulary with Zipf term frequencies (a few words are everywhere, most are
 * rare, as in real catalogs), and a log of distinct queries with Zipf popularity mixing the
 * query types a shop's search box sees. Every query is made from a product (its "seed"), so
 * it has answers; a misspelled query remembers the product it was meant to find.
 *
 * The vocabulary is made of pronounceable non-words, so no stemmer changes them: engines are
 * compared on matching and ranking, not on how their English morphology treats made-up words.
 *
 * @module
 */

import { forkRng, type Rng } from "./rng.ts";
import { createZipf } from "./zipf.ts";

/** One product as the search engines index it. */
export interface SearchProduct {
  id: number;
  title: string;
  description: string;
  brand: string;
  /** Category id, 1..categories. */
  category: number;
  /** Attributes as `name:value` words joined by spaces (color, size, material). */
  attributes: string;
  /** Price in currency units, two decimals. */
  price: number;
  inStock: boolean;
}

/** The query types of the log. */
export const QUERY_TYPES = [
  "one_word",
  "multi_word",
  "phrase",
  "prefix",
  "typo",
  "faceted",
] as const;

/** A query type. */
export type QueryType = typeof QUERY_TYPES[number];

/** Share of each type among the distinct queries (a shop's search box, roughly). */
export const QUERY_MIX: Readonly<Record<QueryType, number>> = Object.freeze({
  one_word: 0.3,
  multi_word: 0.2,
  phrase: 0.08,
  prefix: 0.15,
  typo: 0.1,
  faceted: 0.17,
});

/** Filters of a query (facets); absent fields do not filter. */
export interface SearchFilters {
  category?: number;
  priceMin?: number;
  priceMax?: number;
  inStock?: boolean;
}

/** One distinct query of the log. */
export interface SearchQuery {
  /** Rank in the log: 1 is the most popular. */
  id: number;
  type: QueryType;
  /** The words as typed (lower case). For a prefix query the last word is the typed prefix. */
  words: string[];
  /** The words must appear consecutively. */
  phrase: boolean;
  /** The last word is a prefix (autocomplete). */
  prefix: boolean;
  filters: SearchFilters;
  sort: "relevance" | "price";
  /** The product the query was made from (a misspelled query should find it). */
  seedProduct: number;
}

/** Sizes of a search catalog. */
export interface SearchCatalogSpec {
  products: number;
  /** Distinct words of the vocabulary. */
  vocabulary: number;
  /** Zipf exponent of term frequencies (≈1 for natural text). */
  termSkew: number;
  brands: number;
  categories: number;
  /** Words in a title (besides the brand) and in a description. */
  titleWords: number;
  descriptionWords: number;
  /** Share of products in stock. */
  inStockShare: number;
}

/** Sizes of a query log. */
export interface QueryLogSpec {
  /** Distinct queries. */
  queries: number;
  /** Zipf exponent of query popularity (and of which products queries are made from). */
  popularitySkew: number;
}

const CONSONANTS = "bdfgklmnprtvz";
const VOWELS = "aeiou";
const COLORS = [
  "red",
  "blue",
  "green",
  "black",
  "white",
  "grey",
  "pink",
  "yellow",
  "brown",
  "navy",
];
const SIZES = ["xs", "s", "m", "l", "xl"];
const MATERIALS = ["cotton", "steel", "wood", "glass", "leather", "plastic", "wool", "bamboo"];

/** `n` distinct pronounceable non-words of 2–4 syllables, deterministic for a seed. */
export function makeVocabulary(n: number, seed: number): string[] {
  const rng = forkRng(seed, "search:vocabulary");
  const seen = new Set<string>();
  const out: string[] = [];
  while (out.length < n) {
    const syllables = 2 + (rng.chance(0.5) ? 0 : rng.chance(0.6) ? 1 : 2);
    let w = "";
    for (let i = 0; i < syllables; i++) w += rng.pick([...CONSONANTS]) + rng.pick([...VOWELS]);
    if (rng.chance(0.3)) w += rng.pick(["n", "r", "l", "x"]);
    if (!seen.has(w)) {
      seen.add(w);
      out.push(w);
    }
  }
  return out;
}

function words(vocab: readonly string[], zipf: ReturnType<typeof createZipf>, rng: Rng, n: number) {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(vocab[zipf.sample(rng) - 1]);
  return out;
}

/** A deterministic catalog of `spec.products` products. */
export function generateSearchCatalog(spec: SearchCatalogSpec, seed: number): SearchProduct[] {
  const vocab = makeVocabulary(spec.vocabulary + spec.brands, seed);
  const brands = vocab.slice(spec.vocabulary);
  const terms = vocab.slice(0, spec.vocabulary);
  const termZipf = createZipf(terms.length, spec.termSkew);
  const brandZipf = createZipf(brands.length, 0.8);
  const categoryZipf = createZipf(spec.categories, 0.6);
  const rng = forkRng(seed, "search:catalog");
  const out: SearchProduct[] = [];
  for (let id = 1; id <= spec.products; id++) {
    const brand = brands[brandZipf.sample(rng) - 1];
    const title = words(terms, termZipf, rng, spec.titleWords).join(" ");
    const description = words(terms, termZipf, rng, spec.descriptionWords).join(" ");
    const attributes = [
      rng.pick(COLORS),
      rng.pick(SIZES),
      rng.pick(MATERIALS),
    ].join(" ");
    // Log-uniform prices from 2 to 2000: many cheap products, a long tail of dear ones.
    const price = Math.round(2 * Math.pow(1000, rng.next()) * 100) / 100;
    out.push({
      id,
      title: `${brand} ${title}`,
      description,
      brand,
      category: categoryZipf.sample(rng),
      attributes,
      price,
      inStock: rng.chance(spec.inStockShare),
    });
  }
  return out;
}

/** The words of a text as every engine and the reference see them (lower case, a–z/0–9). */
export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** One edit (substitution, transposition or deletion) of a word of ≥ 5 letters. */
export function misspell(word: string, rng: Rng): string {
  if (word.length < 5) return word;
  const i = rng.int(1, word.length - 2); // keep the first letter, as most typos do
  const kind = rng.int(0, 2);
  let out: string;
  if (kind === 0) {
    const letters = [...CONSONANTS, ...VOWELS].filter((c) => c !== word[i]);
    out = word.slice(0, i) + rng.pick(letters) + word.slice(i + 1);
  } else if (kind === 1) {
    out = word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
  } else {
    out = word.slice(0, i) + word.slice(i + 1);
  }
  return out === word ? word.slice(0, i) + word.slice(i + 1) : out;
}

function pickType(rng: Rng): QueryType {
  let u = rng.next();
  for (const t of QUERY_TYPES) {
    u -= QUERY_MIX[t];
    if (u < 0) return t;
  }
  return "one_word";
}

/**
 * A log of `spec.queries` distinct queries (id = popularity rank), each made from a product
 * drawn with Zipf popularity. Queries use title words (what people type), so every query but
 * a misspelled one has at least its seed product as an answer.
 */
export function generateQueryLog(
  catalog: readonly SearchProduct[],
  spec: QueryLogSpec,
  seed: number,
): SearchQuery[] {
  const rng = forkRng(seed, "search:queries");
  const productZipf = createZipf(catalog.length, spec.popularitySkew);
  const seen = new Set<string>();
  const out: SearchQuery[] = [];
  let guard = 0;
  while (out.length < spec.queries && guard++ < spec.queries * 50) {
    const p = catalog[productZipf.sample(rng) - 1];
    const title = tokenize(p.title).slice(1); // without the brand
    const type = pickType(rng);
    const start = rng.int(0, title.length - 2);
    const two = [title[start], title[start + 1]];
    let q: Omit<SearchQuery, "id" | "seedProduct">;
    const base = {
      phrase: false,
      prefix: false,
      filters: {},
      sort: "relevance" as "relevance" | "price",
    };
    if (type === "one_word") q = { ...base, type, words: [rng.pick(title)] };
    else if (type === "multi_word") {
      if (two[0] === two[1]) continue;
      q = { ...base, type, words: two };
    } else if (type === "phrase") {
      if (two[0] === two[1]) continue;
      q = { ...base, type, words: two, phrase: true };
    } else if (type === "prefix") {
      const w = rng.pick(title.filter((x) => x.length >= 5));
      if (!w) continue;
      q = {
        ...base,
        type,
        words: [w.slice(0, rng.int(3, Math.min(5, w.length - 1)))],
        prefix: true,
      };
    } else if (type === "typo") {
      const long = two.findIndex((w) => w.length >= 6);
      if (long < 0 || two[0] === two[1]) continue;
      const typed = [...two];
      typed[long] = misspell(two[long], rng);
      q = { ...base, type, words: typed };
    } else {
      const lo = Math.floor(p.price / 2);
      const hi = Math.ceil(p.price * 2);
      q = {
        ...base,
        type,
        words: [rng.pick(title)],
        filters: {
          category: p.category,
          ...(rng.chance(0.7) ? { priceMin: lo, priceMax: hi } : {}),
          ...(p.inStock && rng.chance(0.7) ? { inStock: true } : {}),
        },
        sort: rng.chance(0.5) ? "price" : "relevance",
      };
    }
    // Some plain queries are sorted by price too (the "lowest price first" toggle).
    if (q.type !== "faceted" && q.type !== "typo" && rng.chance(0.1)) q.sort = "price";
    const key = queryKey({ ...q, id: 0, seedProduct: p.id });
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...q, id: out.length + 1, seedProduct: p.id });
  }
  return out;
}

/** A query's identity as typed: words, mode, filters and sort (the cache key). */
export function queryKey(q: SearchQuery): string {
  const f = q.filters;
  return [
    q.type,
    q.words.join(" "),
    q.phrase ? "p" : "",
    q.prefix ? "*" : "",
    f.category ?? "",
    f.priceMin ?? "",
    f.priceMax ?? "",
    f.inStock === undefined ? "" : f.inStock ? "1" : "0",
    q.sort,
  ].join("|");
}

/** True when a product passes a query's filters. */
export function passesFilters(
  p: Pick<SearchProduct, "category" | "price" | "inStock">,
  f: SearchFilters,
) {
  return (f.category === undefined || p.category === f.category) &&
    (f.priceMin === undefined || p.price >= f.priceMin) &&
    (f.priceMax === undefined || p.price <= f.priceMax) &&
    (f.inStock === undefined || p.inStock === f.inStock);
}
