/**
 * A deliberately plain float64 attention to check the kernels against: dense over every (query,
 * key) pair a mask allows, per query head, with the grouped-query KV head mapping. No tiling, no
 * online softmax, no shared code with the kernels (it scales by the exact 1/√head_dim).
 *
 * @example
 * ```ts
 * import { attentionF64, causalMask, seededInputs } from "./attention_f64.ts";
 * const inputs = seededInputs({ seq_len: 3, q_width: 4, kv_width: 4 }, 1);
 * const out = attentionF64(inputs, { heads: 1, kv_heads: 1, head_dim: 4, mask: causalMask });
 * ```
 * @module
 */
import type { AttentionInputs, InputShape } from "../../src/contracts.ts";
import { normalGenerator } from "../../src/inputs/normal.ts";

/** Whether query `i` attends key `j`. */
export type Mask = (i: number, j: number) => boolean;

/** Head layout of the inputs and which pairs are attended. */
export interface ReferenceLayout {
  heads: number;
  kv_heads: number;
  head_dim: number;
  /** Every pair when left out. */
  mask?: Mask;
}

/**
 * `softmax(Q·Kᵀ/√head_dim)·V` per query head in float64, over the pairs `mask` allows.
 *
 * @example
 * ```ts
 * const out = attentionF64(inputs, { heads: 4, kv_heads: 2, head_dim: 8 });
 * out.length === inputs.seq_len * 4 * 8; // true
 * ```
 */
export function attentionF64(inputs: AttentionInputs, layout: ReferenceLayout): Float64Array {
  const { heads, kv_heads, head_dim } = layout;
  const out = new Float64Array(inputs.seq_len * heads * head_dim);
  const group = heads / kv_heads;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < inputs.seq_len; i++) attendOne(inputs, layout, h, Math.floor(h / group), i, out);
  }
  return out;
}

function attendOne(
  inputs: AttentionInputs,
  layout: ReferenceLayout,
  head: number,
  kvHead: number,
  i: number,
  out: Float64Array,
): void {
  const { head_dim: d, mask = () => true } = layout;
  const qRow = i * inputs.q_width + head * d;
  const keys: number[] = [];
  const logits: number[] = [];
  for (let j = 0; j < inputs.seq_len; j++) {
    if (!mask(i, j)) continue;
    let dot = 0;
    for (let x = 0; x < d; x++) dot += inputs.q[qRow + x] * inputs.k[j * inputs.kv_width + kvHead * d + x];
    keys.push(j);
    logits.push(dot / Math.sqrt(d));
  }
  const max = Math.max(...logits);
  const weights = logits.map((l) => Math.exp(l - max));
  const total = weights.reduce((a, b) => a + b, 0);
  for (let x = 0; x < d; x++) {
    let sum = 0;
    keys.forEach((j, n) => sum += weights[n] * inputs.v[j * inputs.kv_width + kvHead * d + x]);
    out[qRow + x] = sum / total;
  }
}

/**
 * Causal mask: key `j` is attended by queries `i ≥ j`.
 *
 * @example
 * ```ts
 * causalMask(1, 2); // false
 * ```
 */
export const causalMask: Mask = (i, j) => j <= i;

/**
 * Sliding-window mask `|i − j| ≤ w` (`j ≤ i` too when causal), where the first `globals` tokens
 * attend and are attended by every token (subject to the causal mask).
 *
 * @example
 * ```ts
 * windowMask(1, 1, false)(5, 0); // true: key 0 is global
 * ```
 */
export function windowMask(w: number, globals: number, causal: boolean): Mask {
  return (i, j) => (!causal || j <= i) && (i < globals || j < globals || Math.abs(i - j) <= w);
}

/**
 * Number of pairs a mask allows for `seq_len` tokens.
 *
 * @example
 * ```ts
 * countPairs(3, causalMask); // 6
 * ```
 */
export function countPairs(seqLen: number, mask: Mask): number {
  let pairs = 0;
  for (let i = 0; i < seqLen; i++) {
    for (let j = 0; j < seqLen; j++) if (mask(i, j)) pairs++;
  }
  return pairs;
}

/**
 * Largest `|a − b| / max(1, |b|)` over two equally long arrays (`Infinity` when lengths differ or
 * any value is not finite).
 *
 * @example
 * ```ts
 * maxRelativeError([1, 2.5], [1, 2]); // 0.25
 * ```
 */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const error = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(error <= worst)) worst = Number.isFinite(error) ? error : Infinity;
  }
  return worst;
}

/**
 * Seeded standard-normal Q, K, V of a shape (the runner's `normal` generator).
 *
 * @example
 * ```ts
 * seededInputs({ seq_len: 2, q_width: 3, kv_width: 3 }, 7).q.length; // 6
 * ```
 */
export function seededInputs(shape: InputShape, seed: number): AttentionInputs {
  return normalGenerator.generate(shape, seed, { std: 1 });
}
