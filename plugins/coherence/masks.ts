/**
 * Attention-mask comparison from ruvector-coherence `comparison.rs` (reference ruvector.md §2.3):
 * Jaccard similarity, edge flips and a side-by-side summary with sparsity. A mask is any
 * array-like of booleans or numbers read by truthiness, so a `Uint8Array` 0/1 keep mask (as the
 * min-cut gate produces) goes in without a copy. Where the lengths differ, the `true` entries in
 * the tail of the longer mask count as disagreements.
 *
 * @example
 * ```ts
 * import { compareAttentionMasks } from "./masks.ts";
 * compareAttentionMasks(new Uint8Array([1, 1, 1, 1]), new Uint8Array([1, 0, 1, 0])).sparsity_ratio; // 0.5
 * ```
 * @module
 */

/**
 * An attention mask: entry i is kept when it is truthy (`true` or non-zero).
 *
 * @example
 * ```ts
 * import type { MaskLike } from "./masks.ts";
 * const masks: MaskLike[] = [[true, false], new Uint8Array([1, 0])];
 * ```
 */
export type MaskLike = ArrayLike<boolean | number>;

/**
 * Two masks side by side (the reference `ComparisonResult`).
 *
 * @example
 * ```ts
 * import type { ComparisonResult } from "./masks.ts";
 * const empty: ComparisonResult = { jaccard: 1, edge_flips: 0, baseline_edges: 0, gated_edges: 0, sparsity_ratio: 1 };
 * ```
 */
export interface ComparisonResult {
  /** {@link jaccardSimilarity} of baseline and gated. */
  jaccard: number;
  /** {@link edgeFlipCount} of baseline and gated. */
  edge_flips: number;
  /** Kept entries of the baseline mask. */
  baseline_edges: number;
  /** Kept entries of the gated mask. */
  gated_edges: number;
  /**
   * Gated sparsity ÷ baseline sparsity, each 1 − edges / max length (1 for two empty masks); the
   * gated sparsity alone when the baseline's is at most f64 epsilon.
   */
  sparsity_ratio: number;
}

/** 1 for a kept entry, else 0: without a branch, which a half-random mask mispredicts every other entry. */
const bit = (value: boolean | number): number => Number(Boolean(value));

/** Kept entries of `mask` from index `from` on. */
function countKept(mask: MaskLike, from: number): number {
  let count = 0;
  for (let i = from; i < mask.length; i++) count += bit(mask[i]);
  return count;
}

/**
 * |A ∩ B| ÷ |A ∪ B| over kept entries, the longer mask's kept tail joining the union; 1 when the
 * union is empty.
 *
 * @example
 * ```ts
 * import { jaccardSimilarity } from "./masks.ts";
 * jaccardSimilarity([true, true, false, false], [true, false, true, false]); // 0.3333333333333333
 * jaccardSimilarity([], []); // 1
 * ```
 */
export function jaccardSimilarity(a: MaskLike, b: MaskLike): number {
  const n = Math.min(a.length, b.length);
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < n; i++) {
    const x = bit(a[i]), y = bit(b[i]);
    union += x | y;
    intersection += x & y;
  }
  union += countKept(a, n) + countKept(b, n);
  return union === 0 ? 1 : intersection / union;
}

/**
 * Positions where the masks disagree, plus the kept entries in the longer mask's tail.
 *
 * @example
 * ```ts
 * import { edgeFlipCount } from "./masks.ts";
 * edgeFlipCount([true, false], [true, false, true, true]); // 2
 * ```
 */
export function edgeFlipCount(a: MaskLike, b: MaskLike): number {
  const n = Math.min(a.length, b.length);
  let flips = 0;
  for (let i = 0; i < n; i++) flips += bit(a[i]) ^ bit(b[i]);
  return flips + countKept(a, n) + countKept(b, n);
}

/**
 * Jaccard, edge flips, edge counts and sparsity ratio of `gated` against `baseline`.
 *
 * @example
 * ```ts
 * import { compareAttentionMasks } from "./masks.ts";
 * compareAttentionMasks([true, true, false, false, true], [true, false, false, true, true]);
 * // { jaccard: 0.5, edge_flips: 2, baseline_edges: 3, gated_edges: 3, sparsity_ratio: 1 }
 * ```
 */
export function compareAttentionMasks(baseline: MaskLike, gated: MaskLike): ComparisonResult {
  const baseline_edges = countKept(baseline, 0);
  const gated_edges = countKept(gated, 0);
  const total = Math.max(baseline.length, gated.length);
  const baselineSparsity = total > 0 ? 1 - baseline_edges / total : 1;
  const gatedSparsity = total > 0 ? 1 - gated_edges / total : 1;
  return {
    jaccard: jaccardSimilarity(baseline, gated),
    edge_flips: edgeFlipCount(baseline, gated),
    baseline_edges,
    gated_edges,
    sparsity_ratio: baselineSparsity > Number.EPSILON ? gatedSparsity / baselineSparsity : gatedSparsity,
  };
}
