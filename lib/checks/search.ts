/**
 * Verdicts on search answers, computed without any engine: every returned product satisfies
 * the query's filters and carries its words; how far two top-10 lists agree; and a BM25
 * ranking computed here, independently of every engine, as the reference the engines'
 * relevance orders are compared with.
 *
 * @module
 */

import {
  passesFilters,
  type SearchProduct,
  type SearchQuery,
  tokenize,
} from "../workload/search.ts";

/** One query's answer: product ids in the engine's order. */
export interface SearchAnswer {
  query: SearchQuery;
  ids: readonly number[];
}

/** The filter checker's verdict. */
export interface FilterVerdict {
  ok: boolean;
  /** Answers and returned products judged. */
  answers: number;
  results: number;
  /** Returned products that fail the query's filters (or do not exist). */
  violations: number;
  /** Answers sorted by price whose prices are not ascending. */
  unsorted: number;
  /** Up to 5 examples, one line each. */
  examples: string[];
}

/** Check that every returned product exists and passes its query's filters; price sorts hold. */
export function checkFilters(
  answers: readonly SearchAnswer[],
  products: ReadonlyMap<number, SearchProduct>,
): FilterVerdict {
  let results = 0;
  let violations = 0;
  let unsorted = 0;
  const examples: string[] = [];
  const note = (s: string) => examples.length < 5 && examples.push(s);
  for (const { query, ids } of answers) {
    let last = -Infinity;
    let sorted = true;
    for (const id of ids) {
      results++;
      const p = products.get(id);
      if (!p) {
        violations++;
        note(`query ${query.id}: product ${id} does not exist`);
        continue;
      }
      if (!passesFilters(p, query.filters)) {
        violations++;
        note(
          `query ${query.id} (${
            JSON.stringify(query.filters)
          }): product ${id} has category ${p.category}, price ${p.price}, in stock ${p.inStock}`,
        );
      }
      if (query.sort === "price") {
        if (p.price < last) sorted = false;
        last = p.price;
      }
    }
    if (!sorted) {
      unsorted++;
      note(`query ${query.id}: sorted by price but prices are not ascending`);
    }
  }
  return {
    ok: violations === 0 && unsorted === 0,
    answers: answers.length,
    results,
    violations,
    unsorted,
    examples,
  };
}

/**
 * Agreement of two top-k lists: shared ids over the longer list's length (capped at k). Two
 * empty lists agree fully; one empty list against a non-empty one not at all.
 */
export function topKOverlap(a: readonly number[], b: readonly number[], k = 10): number {
  const x = a.slice(0, k);
  const y = new Set(b.slice(0, k));
  const n = Math.max(x.length, y.size);
  if (n === 0) return 1;
  return x.filter((id) => y.has(id)).length / n;
}

/** BM25 parameters (Robertson's usual k1 and b). */
export interface Bm25Params {
  k1: number;
  b: number;
}

/** The usual parameters: k1 = 1.2, b = 0.75. */
export const BM25_DEFAULTS: Bm25Params = { k1: 1.2, b: 0.75 };

/** The searchable text of a product: title, brand, attributes and description. */
export function productText(p: SearchProduct): string {
  return `${p.title} ${p.brand} ${p.attributes} ${p.description}`;
}

/**
 * An in-memory BM25 index over a catalog (one field: the product text), the reference the
 * engines are compared with. Matching: all words (AND); a phrase needs the words adjacent;
 * a prefix word matches every term it starts (each scored as a term). Ties break by id.
 */
export class Bm25Index {
  readonly #postings = new Map<string, Map<number, number>>();
  readonly #terms = new Set<string>();
  readonly #length = new Map<number, number>();
  readonly #products = new Map<number, SearchProduct>();
  #avg = 0;

  /**
   * Index `products`. `wanted` limits the postings kept to the terms it accepts (every term
   * still counts in document lengths and the term list): a reference for a sample of queries
   * needs only their terms, and keeping all postings of 10^5 products costs seconds.
   */
  constructor(
    products: readonly SearchProduct[],
    readonly params: Bm25Params = BM25_DEFAULTS,
    wanted: (term: string) => boolean = () => true,
  ) {
    let total = 0;
    const keep = new Map<string, boolean>();
    for (const p of products) {
      const toks = tokenize(productText(p));
      this.#length.set(p.id, toks.length);
      this.#products.set(p.id, p);
      total += toks.length;
      for (const t of toks) {
        let k = keep.get(t);
        if (k === undefined) {
          keep.set(t, k = wanted(t));
          this.#terms.add(t);
        }
        if (!k) continue;
        let m = this.#postings.get(t);
        if (!m) this.#postings.set(t, m = new Map());
        m.set(p.id, (m.get(p.id) ?? 0) + 1);
      }
    }
    this.#avg = products.length ? total / products.length : 0;
  }

  /** An index whose postings cover exactly the terms `queries` can match. */
  static forQueries(
    products: readonly SearchProduct[],
    queries: readonly SearchQuery[],
    params: Bm25Params = BM25_DEFAULTS,
  ): Bm25Index {
    const exact = new Set<string>();
    const prefixes: string[] = [];
    for (const q of queries) {
      const words = q.words.flatMap(tokenize);
      words.forEach((
        w,
        i,
      ) => (q.prefix && i === words.length - 1 ? prefixes.push(w) : exact.add(w)));
    }
    return new Bm25Index(
      products,
      params,
      (t) => exact.has(t) || prefixes.some((p) => t.startsWith(p)),
    );
  }

  /** Documents in the index. */
  get size(): number {
    return this.#length.size;
  }

  /** Inverse document frequency of a term (BM25's, floored at 0 by the +1 inside the log). */
  idf(term: string): number {
    const df = this.#postings.get(term)?.size ?? 0;
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  #termScore(term: string, id: number): number {
    const tf = this.#postings.get(term)?.get(id) ?? 0;
    if (tf === 0) return 0;
    const { k1, b } = this.params;
    const len = this.#length.get(id)!;
    return this.idf(term) * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * len / this.#avg));
  }

  #termsOf(word: string, prefix: boolean): string[] {
    const known = (t: string) => this.#terms.has(t) && this.#postings.has(t);
    if (!prefix) return known(word) ? [word] : [];
    const out = [...this.#postings.keys()].filter((t) => t.startsWith(word));
    if (out.length === 0 && [...this.#terms].some((t) => t.startsWith(word))) {
      throw new Error(`Bm25Index: prefix "${word}" was not among the wanted terms`);
    }
    return out;
  }

  /** The top `k` product ids for a query with their scores, best first. */
  search(q: SearchQuery, k = 10): { id: number; score: number }[] {
    const words = q.words.map((w) => tokenize(w)).flat();
    if (words.length === 0) return [];
    for (const w of words) {
      if (this.#terms.has(w) && !this.#postings.has(w)) {
        throw new Error(`Bm25Index: term "${w}" was not among the wanted terms`);
      }
    }
    const groups = words.map((w, i) => this.#termsOf(w, q.prefix && i === words.length - 1));
    if (groups.some((g) => g.length === 0)) return [];
    // Candidates: documents holding some term of every word (smallest group first).
    const sets = groups.map((g) => {
      const ids = new Set<number>();
      for (const t of g) for (const id of this.#postings.get(t)!.keys()) ids.add(id);
      return ids;
    }).sort((a, b) => a.size - b.size);
    const scored: { id: number; score: number }[] = [];
    for (const id of sets[0]) {
      if (!sets.every((s) => s.has(id))) continue;
      const p = this.#products.get(id)!;
      if (!passesFilters(p, q.filters)) continue;
      if (q.phrase && !hasPhrase(tokenize(productText(p)), words)) continue;
      let score = 0;
      for (const g of groups) for (const t of g) score += this.#termScore(t, id);
      scored.push({ id, score });
    }
    scored.sort((a, b) => b.score - a.score || a.id - b.id);
    return scored.slice(0, k);
  }

  /** How many products match a query (before the top-k cut). */
  matches(q: SearchQuery): number {
    return this.search(q, Infinity).length;
  }
}

function hasPhrase(tokens: readonly string[], words: readonly string[]): boolean {
  outer: for (let i = 0; i + words.length <= tokens.length; i++) {
    for (let j = 0; j < words.length; j++) if (tokens[i + j] !== words[j]) continue outer;
    return true;
  }
  return false;
}
