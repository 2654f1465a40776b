/**
 * When a shop is busy: an activity clock that bends evenly spread time into the daily and
 * weekly rhythm of online retail, so hourly and weekday breakdowns of the generated data
 * differ the way real ones do (a quiet night, an evening peak, a busier weekend) instead of
 * being flat.
 *
 * Generators draw positions on a uniform "activity" axis (evenly spaced, or Poisson
 * arrivals) and map them through {@link ActivityClock.at}, the inverse of the cumulative
 * intensity: busy hours receive proportionally more events, quiet ones fewer, and the order
 * of the positions is kept, so timestamps stay non-decreasing. Hours are UTC: the customers
 * are European (./generate.ts), within three hours of it.
 *
 * @module
 */

const HOUR_MS = 3_600_000;

/**
 * Relative traffic per hour of the day (UTC, 0–23): trough at 3–4 h, rising through the
 * morning, a lunch plateau and the evening peak at 20–21 h — the shape commonly reported for
 * European web shops (an assumed profile, not a measurement of this project).
 */
export const HOURLY_INTENSITY: readonly number[] = Object.freeze([
  0.35,
  0.22,
  0.15,
  0.11,
  0.1,
  0.13,
  0.25,
  0.45,
  0.65,
  0.8,
  0.9,
  0.95,
  1.0,
  0.95,
  0.9,
  0.9,
  0.95,
  1.0,
  1.1,
  1.3,
  1.45,
  1.4,
  1.05,
  0.6,
]);

/** Relative traffic per weekday (0 = Sunday, as `Date.getUTCDay`): busier on the weekend. */
export const WEEKDAY_INTENSITY: readonly number[] = Object.freeze([
  1.2,
  1.05,
  0.95,
  0.95,
  0.95,
  0.9,
  1.1,
]);

/** Maps a uniform activity fraction to a timestamp of a window with daily/weekly cycles. */
export interface ActivityClock {
  /** The timestamp (ms) at `fraction` ∈ [0, 1] of the window's cumulative activity. */
  at(fraction: number): number;
  /** Relative intensity (mean 1 over the window) at a timestamp: for tests and charts. */
  intensityAt(ms: number): number;
}

/** The activity clock of the window `[startMs, startMs + spanMs)`, hour by hour. */
export function createActivityClock(startMs: number, spanMs: number): ActivityClock {
  if (!(spanMs > 0)) throw new Error(`activity clock: spanMs must be > 0, got ${spanMs}`);
  const hours = Math.ceil(spanMs / HOUR_MS);
  const weight = new Float64Array(hours);
  const width = new Float64Array(hours);
  const cumulative = new Float64Array(hours + 1);
  for (let h = 0; h < hours; h++) {
    const from = startMs + h * HOUR_MS;
    width[h] = Math.min(HOUR_MS, startMs + spanMs - from) / HOUR_MS;
    weight[h] = rawIntensity(from) * width[h];
    cumulative[h + 1] = cumulative[h] + weight[h];
  }
  const total = cumulative[hours];
  let hint = 0; // callers ask in increasing order: start the search where the last one ended
  return {
    at(fraction) {
      const target = Math.min(1, Math.max(0, fraction)) * total;
      if (cumulative[hint] > target) hint = 0;
      while (hint < hours - 1 && cumulative[hint + 1] <= target) hint++;
      const within = weight[hint] > 0 ? (target - cumulative[hint]) / weight[hint] : 0;
      const hoursIn = hint + Math.min(1, within) * width[hint];
      return Math.min(startMs + spanMs, startMs + hoursIn * HOUR_MS);
    },
    intensityAt(ms) {
      return rawIntensity(ms) / (total / (spanMs / HOUR_MS));
    },
  };
}

function rawIntensity(ms: number): number {
  const d = new Date(ms);
  return HOURLY_INTENSITY[d.getUTCHours()] * WEEKDAY_INTENSITY[d.getUTCDay()];
}
