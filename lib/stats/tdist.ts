/**
 * Student t critical values for 95 % two-sided confidence intervals (the 0.975 quantile).
 * Exact table for df 1..30 (to 9 digits); between integers, linear interpolation in 1/df
 * (slightly conservative: at df = 2.5 the tail is 2.42 % instead of 2.5 %; at df = 7.3,
 * 2.499 %), used for the non-integer Welch–Satterthwaite df; above 30 the
 * Cornish–Fisher expansion of t around the normal quantile (error < 1e-6 there).
 *
 * @module
 */

/** t_{0.975, df} for df = 1..30 (index df - 1). */
export const T975: readonly number[] = [
  12.706204736,
  4.30265273,
  3.182446305,
  2.776445105,
  2.570581836,
  2.446911851,
  2.364624252,
  2.306004135,
  2.262157163,
  2.228138852,
  2.20098516,
  2.17881283,
  2.160368656,
  2.144786688,
  2.131449546,
  2.119905299,
  2.109815578,
  2.10092204,
  2.093024054,
  2.085963447,
  2.079613845,
  2.073873068,
  2.06865761,
  2.063898562,
  2.059538553,
  2.055529439,
  2.051830516,
  2.048407142,
  2.045229642,
  2.042272456,
];

/** Standard normal 0.975 quantile. */
export const Z975 = 1.959963984540054;

function cornishFisher(df: number): number {
  const z = Z975;
  const z3 = z ** 3, z5 = z ** 5, z7 = z ** 7, z9 = z ** 9;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3) +
    (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * df ** 4);
}

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1, may be
 * fractional; Infinity gives the normal quantile). Throws one line for df < 1 or NaN.
 */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new Error(`tQuantile975: df must be >= 1, got ${df}`);
  if (df === Infinity) return Z975;
  if (df > 30) return cornishFisher(df);
  const lo = Math.floor(df);
  if (lo === df) return T975[df - 1];
  const hi = lo + 1;
  const tLo = T975[lo - 1];
  const tHi = hi <= 30 ? T975[hi - 1] : cornishFisher(hi);
  const w = (1 / lo - 1 / df) / (1 / lo - 1 / hi);
  return tLo + w * (tHi - tLo);
}
