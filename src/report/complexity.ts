/**
 * How a kernel's time grows with sequence length, fitted two ways:
 *
 * - the **exponent**: least-squares slope of log time on log n, so `t ≈ a · n^k` (the legend's
 *   `softmax ~ n^1.98`), with the RMS of the fit relative to the mean time;
 * - the **best complexity class**, as Google Benchmark's `BigO` does: for each of O(1), O(log n),
 *   O(n), O(n log n), O(n²) and O(n³), the coefficient `c` minimising Σ (t − c·f(n))², and the
 *   class whose fit leaves the smallest RMS (relative to the mean time).
 *
 * @example
 * ```ts
 * import { fitComplexity } from "./complexity.ts";
 * const points = [64, 128, 256, 512].map((n) => ({ n, time: 3e-3 * n * n }));
 * fitComplexity(points)?.exponent; // 2
 * fitComplexity(points)?.best.name; // "n²"
 * ```
 * @module
 */
import { linearRegression } from "simple-statistics";

/** One measured size: `n` (sequence length) and its time (any unit). */
export interface SizedTime {
  n: number;
  time: number;
}

/** A complexity class's least-squares fit. */
export interface ClassFit {
  name: string;
  coefficient: number;
  /** Root-mean-square residual divided by the mean time. */
  rms: number;
}

/** Both fits over one series. */
export interface ComplexityFit {
  /** Slope of log time on log n. */
  exponent: number;
  /** Relative RMS of `a · n^exponent` against the times. */
  rms: number;
  /** The complexity class that fits best, Google Benchmark style. */
  best: ClassFit;
  /** Every class's fit, in the order of {@link COMPLEXITY_CLASSES}. */
  classes: ClassFit[];
}

/** The classes tried, as Google Benchmark's `oAuto` tries them. */
export const COMPLEXITY_CLASSES: { name: string; f: (n: number) => number }[] = [
  { name: "1", f: () => 1 },
  { name: "log n", f: (n) => Math.log2(n) },
  { name: "n", f: (n) => n },
  { name: "n log n", f: (n) => n * Math.log2(n) },
  { name: "n²", f: (n) => n * n },
  { name: "n³", f: (n) => n * n * n },
];

/**
 * Fits a series; undefined with fewer than two distinct sizes or a time that is not positive
 * (a log cannot be taken).
 *
 * @example
 * ```ts
 * fitComplexity([{ n: 64, time: 10 }, { n: 128, time: 40 }])?.exponent; // 2
 * ```
 */
export function fitComplexity(points: readonly SizedTime[]): ComplexityFit | undefined {
  const usable = points.filter((p) => p.n > 0 && p.time > 0 && Number.isFinite(p.time));
  if (usable.length !== points.length || new Set(usable.map((p) => p.n)).size < 2) return undefined;
  const { m, b } = linearRegression(usable.map((p) => [Math.log(p.n), Math.log(p.time)]));
  const mean = usable.reduce((sum, p) => sum + p.time, 0) / usable.length;
  const relativeRms = (predict: (n: number) => number) =>
    Math.sqrt(usable.reduce((sum, p) => sum + (p.time - predict(p.n)) ** 2, 0) / usable.length) / mean;
  const classes = COMPLEXITY_CLASSES.map(({ name, f }) => {
    const coefficient = usable.reduce((sum, p) => sum + p.time * f(p.n), 0) /
      usable.reduce((sum, p) => sum + f(p.n) ** 2, 0);
    return { name, coefficient, rms: relativeRms((n) => coefficient * f(n)) };
  });
  const best = classes.reduce((a, c) => (c.rms < a.rms ? c : a));
  return { exponent: m, rms: relativeRms((n) => Math.exp(b) * n ** m), best, classes };
}
