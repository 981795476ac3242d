/**
 * A case's median with its spread, as progress lines and the end-of-run summary print it:
 * `median 52.10 µs (IQR 51.20–53.40 µs)`.
 *
 * @example
 * ```ts
 * import { formatSpread } from "./spread_text.ts";
 * formatSpread({ median_us: 52.1, p25_us: 51.2, p75_us: 53.4 }); // "median 52.10 µs (IQR 51.20–53.40 µs)"
 * ```
 * @module
 */

/** The timing fields of a case record. */
export interface SpreadFields {
  median_us?: number;
  p25_us?: number;
  p75_us?: number;
}

/**
 * `median M (IQR A–B)` in one unit chosen by the median, or `median M` without quartiles.
 *
 * @example
 * ```ts
 * formatSpread({ median_us: 1500 }); // "median 1.50 ms"
 * ```
 */
export function formatSpread(record: SpreadFields): string {
  const ns = (record.median_us ?? 0) * 1000;
  const [scale, unit, digits] = ns < 1e3 ? [1, "ns", 1] : ns < 1e6 ? [1e3, "µs", 2] : [1e6, "ms", 2];
  const show = (us: number) => ((us * 1000) / scale).toFixed(digits);
  const median = `median ${show(record.median_us ?? 0)} ${unit}`;
  if (record.p25_us === undefined || record.p75_us === undefined) return median;
  return `${median} (IQR ${show(record.p25_us)}–${show(record.p75_us)} ${unit})`;
}
