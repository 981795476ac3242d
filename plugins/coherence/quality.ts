/**
 * The quality guardrail of ruvector-coherence `quality.rs` (reference ruvector.md §2.2): cosine
 * similarity and L2 distance of a gated output against its baseline, and a pass/fail check on
 * the cosine. All maths is f64 in index order; a `Float32Array` or a `number[]` goes in as is.
 *
 * The two measures treat unequal lengths differently, as the reference does (§6 item 10): the
 * cosine looks only at the common prefix, while the L2 distance counts the longer vector's tail
 * as distance from zero.
 *
 * @example
 * ```ts
 * import { qualityCheck } from "./quality.ts";
 * qualityCheck([1, 0], [0, 1], 0.5); // { cosine_sim: 0, l2_dist: 1.4142135623730951, passes_threshold: false }
 * ```
 * @module
 */

/**
 * How close a gated output stays to its baseline (the reference `QualityResult`).
 *
 * @example
 * ```ts
 * import type { QualityResult } from "./quality.ts";
 * const same: QualityResult = { cosine_sim: 1, l2_dist: 0, passes_threshold: true };
 * ```
 */
export interface QualityResult {
  /** {@link cosineSimilarity} of baseline and gated. */
  cosine_sim: number;
  /** {@link l2Distance} of baseline and gated. */
  l2_dist: number;
  /** `cosine_sim >= threshold`. */
  passes_threshold: boolean;
}

/**
 * Cosine similarity over the first min(|a|, |b|) entries only (dot and both norms); 0 when the
 * product of the norms is below f64 epsilon.
 *
 * @example
 * ```ts
 * import { cosineSimilarity } from "./quality.ts";
 * cosineSimilarity([1, 0], [-1, 0]); // -1
 * cosineSimilarity([1, 0], [1, 0, 5]); // 1 (the tail is ignored)
 * ```
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  let aSquares = 0;
  let bSquares = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    dot += x * y;
    aSquares += x * x;
    bSquares += y * y;
  }
  const denominator = Math.sqrt(aSquares) * Math.sqrt(bSquares);
  return denominator < Number.EPSILON ? 0 : dot / denominator;
}

/**
 * Euclidean distance, the tail of the longer vector counting as distance from zero:
 * √(Σ over the common prefix of (aᵢ − bᵢ)² + Σ over the tail of x²).
 *
 * @example
 * ```ts
 * import { l2Distance } from "./quality.ts";
 * l2Distance([0, 0], [3, 4]); // 5
 * l2Distance([1], [1, 3]); // 3
 * ```
 */
export function l2Distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    sum += d * d;
  }
  sum += tailSquares(a, n);
  sum += tailSquares(b, n);
  return Math.sqrt(sum);
}

/** Σ x² over `v` from index `from` on, in index order from −0. */
function tailSquares(v: ArrayLike<number>, from: number): number {
  let sum = -0;
  for (let i = from; i < v.length; i++) sum += v[i] * v[i];
  return sum;
}

/**
 * Cosine similarity and L2 distance of `gated` against `baseline`; passes when the cosine is at
 * least `threshold` (inclusive).
 *
 * @example
 * ```ts
 * import { qualityCheck } from "./quality.ts";
 * qualityCheck([1, 2, 3], [1, 2, 3], 1).passes_threshold; // true
 * ```
 */
export function qualityCheck(
  baseline: ArrayLike<number>,
  gated: ArrayLike<number>,
  threshold: number,
): QualityResult {
  const cosine_sim = cosineSimilarity(baseline, gated);
  return { cosine_sim, l2_dist: l2Distance(baseline, gated), passes_threshold: cosine_sim >= threshold };
}
