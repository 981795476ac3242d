/**
 * The statistics `compare` rests on, from two sets of raw samples (A before, B after):
 *
 * - the **relative change of the median**, B's over A's minus 1;
 * - its **95 % interval by bootstrap**: both sides resampled with replacement, the change taken
 *   each time, the 2.5th and 97.5th percentiles kept. Seeded (xoshiro128**), so the same samples
 *   and seed give the same interval on every runtime;
 * - a **two-sided Mann–Whitney U test** (the rank sum and the error function from
 *   simple-statistics, the normal approximation with its continuity correction; close enough from
 *   8 samples a side, which `compare` requires).
 *
 * @example
 * ```ts
 * import { compareSamples } from "./stats.ts";
 * compareSamples([10, 11, 10], [12, 13, 12], { seed: 1 }).change; // 0.2
 * ```
 * @module
 */
import { errorFunction, wilcoxonRankSum } from "simple-statistics";
import { UniformStream } from "../inputs/random.ts";

/** Resamples of the bootstrap by default: 2000 give percentile ends stable to a few tenths of a percent. */
export const DEFAULT_RESAMPLES = 2000;

/** What two sample sets say about the change from A to B. */
export interface SampleComparison {
  /** Median of B over median of A, minus 1 (0.1: B is 10 % higher). */
  change: number;
  /** The bootstrap 95 % interval of `change`. */
  low: number;
  high: number;
  /** Two-sided p-value of the Mann–Whitney U test. */
  p: number;
  /** The medians the change is taken between. */
  median_a: number;
  median_b: number;
  n_a: number;
  n_b: number;
}

/**
 * Compares two sample sets (any order; not modified).
 *
 * @example
 * ```ts
 * compareSamples(a, b, { seed: 42, resamples: 2000 }).p < 0.05;
 * ```
 */
export function compareSamples(
  a: readonly number[],
  b: readonly number[],
  options: { seed: number; resamples?: number },
): SampleComparison {
  const medianA = median(Float64Array.from(a));
  const medianB = median(Float64Array.from(b));
  const changes = new Float64Array(options.resamples ?? DEFAULT_RESAMPLES);
  const random = new UniformStream(options.seed);
  const bufferA = new Float64Array(a.length);
  const bufferB = new Float64Array(b.length);
  for (let r = 0; r < changes.length; r++) {
    resample(a, bufferA, random);
    resample(b, bufferB, random);
    changes[r] = median(bufferB) / median(bufferA) - 1;
  }
  changes.sort();
  return {
    change: medianB / medianA - 1,
    low: percentile(changes, 0.025),
    high: percentile(changes, 0.975),
    p: mannWhitneyP(a, b),
    median_a: medianA,
    median_b: medianB,
    n_a: a.length,
    n_b: b.length,
  };
}

/**
 * Two-sided p-value of the Mann–Whitney U test by the normal approximation (with continuity
 * correction; ties are rare in timings and not corrected for).
 *
 * @example
 * ```ts
 * mannWhitneyP([1, 2, 3, 4, 5, 6, 7, 8], [11, 12, 13, 14, 15, 16, 17, 18]) < 0.001; // true
 * ```
 */
export function mannWhitneyP(a: readonly number[], b: readonly number[]): number {
  const n1 = a.length;
  const n2 = b.length;
  const u = wilcoxonRankSum([...a], [...b]) - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  if (!(sd > 0)) return 1;
  const z = Math.max(0, Math.abs(u - mean) - 0.5) / sd;
  // Two-sided tail of the standard normal, 2·(1 − Φ(z)) = 1 − erf(z/√2).
  return Math.min(1, Math.max(0, 1 - errorFunction(z / Math.SQRT2)));
}

/**
 * The median of the values (reorders `values`; quickselect, linear time).
 *
 * @example
 * ```ts
 * median(Float64Array.from([3, 1, 2])); // 2
 * ```
 */
export function median(values: Float64Array): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const upper = select(values, n >> 1);
  return n % 2 === 1 ? upper : (upper + max(values, (n >> 1) - 1)) / 2;
}

function resample(from: readonly number[], into: Float64Array, random: UniformStream): void {
  const n = from.length;
  for (let i = 0; i < n; i++) into[i] = from[Math.floor((random.nextUint32() / 2 ** 32) * n)];
}

/** Nearest-rank-by-interpolation percentile of ascending values. */
function percentile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const lower = Math.floor(at);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (at - lower);
}

/** The k-th smallest (0-based), partially ordering `values` (Hoare's quickselect). */
function select(values: Float64Array, k: number): number {
  let left = 0;
  let right = values.length - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1];
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return values[k];
  }
  return values[k];
}

/** The largest of values[0..end] (after `select`, the lower middle of an even count). */
function max(values: Float64Array, end: number): number {
  let best = -Infinity;
  for (let i = 0; i <= end; i++) if (values[i] > best) best = values[i];
  return best;
}
