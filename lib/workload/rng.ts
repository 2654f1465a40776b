/**
 * Seeded pseudo-random numbers for reproducible workloads.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's "small fast counting" generator, as used in
 * PractRand), seeded through splitmix32 so that nearby seeds give unrelated streams. It is
 * fast, has a 128-bit state and passes PractRand/BigCrush, which is more than a benchmark
 * needs; what matters here is that the same seed always gives the same sequence on every
 * machine (it uses only 32-bit integer arithmetic).
 *
 * @module
 */

/** A seeded source of random numbers; every method advances the same underlying stream. */
export interface Rng {
  /** The next 32-bit unsigned integer. */
  nextU32(): number;
  /** A float uniformly distributed in [0, 1), with 32 bits of randomness. */
  next(): number;
  /** An integer uniformly distributed in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** An exponentially distributed float with the given mean (for inter-arrival times). */
  exponential(mean: number): number;
}

/** splitmix32 step: a good 32-bit mixer, used to expand one seed into sfc32's state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

class Sfc32 implements Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    const st = { s: seed | 0 };
    this.#a = splitmix32(st) | 0;
    this.#b = splitmix32(st) | 0;
    this.#c = splitmix32(st) | 0;
    this.#d = 1;
    for (let i = 0; i < 12; i++) this.nextU32(); // discard the first outputs, as recommended
  }

  nextU32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextU32() / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }
}

/**
 * Creates a seeded generator. Seeds are taken modulo 2^32 after truncation, so use integers
 * in [0, 2^32) to keep them meaningful.
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) {
    throw new Error(`createRng: seed must be a finite number, got ${seed}`);
  }
  return new Sfc32(Math.trunc(seed) >>> 0);
}

/**
 * Derives an independent 32-bit seed from a base seed and a label (FNV-1a over the label,
 * mixed with the seed). Each generator uses its own label ("products", "worker:3", …) so that
 * streams do not depend on the order in which other streams are consumed.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (Math.trunc(seed) >>> 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return splitmix32({ s: h }) >>> 0;
}

/** Shorthand for `createRng(deriveSeed(seed, label))`. */
export function forkRng(seed: number, label: string): Rng {
  return createRng(deriveSeed(seed, label));
}
