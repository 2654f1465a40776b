/**
 * Named data scales, sized by rows (never by time), so a scale means the same data on every
 * machine. `quick` is for tests, `default` for the main job, `large` for stress runs.
 *
 * @module
 */

/** Row counts and distribution parameters of one scale. */
export interface Scale {
  /** Scale name, as used in result rows. */
  readonly name: string;
  /** Number of product categories. */
  readonly categories: number;
  /** Number of products. */
  readonly products: number;
  /** Number of customers: they grow with the events (a fifth to a tenth of them), so distinct-customer counts stay informative. */
  readonly customers: number;
  /** Number of (open) carts. */
  readonly carts: number;
  /** Number of historical orders. */
  readonly orders: number;
  /** Number of browsing sessions. */
  readonly sessions: number;
  /** Number of events (order + page_view) in the event stream. */
  readonly events: number;
  /** Zipf exponent of product popularity (YCSB default 0.99). */
  readonly productSkew: number;
  /** Start of the simulated time window, ms since the Unix epoch (UTC). */
  readonly startMs: number;
  /** Length of the simulated time window, ms. */
  readonly spanMs: number;
}

const START_MS = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

/** All named scales. */
export const SCALES: Readonly<Record<string, Scale>> = Object.freeze({
  quick: {
    name: "quick",
    categories: 20,
    products: 1_000,
    customers: 2_000,
    carts: 200,
    orders: 2_000,
    sessions: 2_000,
    events: 10_000,
    productSkew: 0.99,
    startMs: START_MS,
    spanMs: 7 * DAY_MS,
  },
  default: {
    name: "default",
    categories: 100,
    products: 20_000,
    customers: 200_000,
    carts: 5_000,
    orders: 100_000,
    sessions: 100_000,
    events: 1_000_000,
    productSkew: 0.99,
    startMs: START_MS,
    spanMs: 30 * DAY_MS,
  },
  large: {
    name: "large",
    categories: 500,
    products: 200_000,
    customers: 1_000_000,
    carts: 50_000,
    orders: 1_000_000,
    sessions: 1_000_000,
    events: 10_000_000,
    productSkew: 0.99,
    startMs: START_MS,
    spanMs: 90 * DAY_MS,
  },
});

/** The valid scale names. */
export const SCALE_NAMES: readonly string[] = Object.freeze(Object.keys(SCALES));

/** Returns the named scale, or throws one line listing the valid names. */
export function getScale(name: string): Scale {
  const scale = Object.hasOwn(SCALES, name) ? SCALES[name] : undefined;
  if (!scale) {
    throw new Error(`unknown scale "${name}"; valid scales: ${SCALE_NAMES.join(", ")}`);
  }
  return scale;
}
