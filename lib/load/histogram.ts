/**
 * Latency histograms: thin helpers over HdrHistogram (`hdr-histogram-js`, pure JS build)
 * recording integer microseconds with 3 significant digits (0.1 % value error) and an
 * auto-resizing range, so a 10 µs cache hit and a 30 s stall fit the same histogram.
 *
 * @module
 */

import * as hdr from "hdr-histogram-js";

/** An HDR histogram of latencies in microseconds. */
export type Histogram = hdr.Histogram;

/** Latency distribution summary; all latencies in milliseconds. */
export interface LatencySummary {
  /** Number of recorded values. */
  count: number;
  /** Arithmetic mean (ms). */
  mean: number;
  /** Smallest value (ms). */
  min: number;
  /** Median (ms). */
  p50: number;
  /** 90th percentile (ms). */
  p90: number;
  /** 95th percentile (ms). */
  p95: number;
  /** 99th percentile (ms). */
  p99: number;
  /** 99.9th percentile (ms). */
  p999: number;
  /** Largest value (ms). */
  max: number;
}

/** Creates an empty microsecond latency histogram (JS, 3 significant digits, auto-resize). */
export function createHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000, // initial range 60 s; grows if needed
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Records one latency in microseconds (rounded to an integer, negatives clamped to 0). */
export function recordMicros(h: Histogram, micros: number): void {
  h.recordValue(micros > 0 ? Math.round(micros) : 0);
}

/** Summarises a microsecond histogram into milliseconds; all fields 0 when empty. */
export function summarizeHistogram(h: Histogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) {
    return { count: 0, mean: 0, min: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  }
  const ms = (us: number) => us / 1000;
  return {
    count,
    mean: ms(h.mean),
    min: ms(h.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : h.minNonZeroValue),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

/** A new histogram holding the sum of the given ones (the inputs are left unchanged). */
export function mergeHistograms(hs: Iterable<Histogram>): Histogram {
  const out = createHistogram();
  for (const h of hs) out.add(h);
  return out;
}
