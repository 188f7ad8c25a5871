/**
 * Small statistics helpers shared by the benchmarks.
 *
 * @module
 */

/** Percentiles of a sample, in its unit, rounded to three decimals; NaN when it is empty. */
export interface Summary {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

/** p50, p95, p99 and max of `values` (nearest-rank). */
export function summarize(values: ArrayLike<number>): Summary {
  if (values.length === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN, count: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return {
    p50: round(at(0.5)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1]),
    count: sorted.length,
  };
}

/** The median of `values`, NaN when empty. */
export function median(values: number[]): number {
  return summarize(values).p50;
}

/** `value` rounded to `digits` decimals (default 3). */
export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
