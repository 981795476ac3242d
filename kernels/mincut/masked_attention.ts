/**
 * The attention half of the reference `attn_mincut` (ruvector.md §1.4), in f32: a row softmax
 * in which pruned logits count as −∞, NaN weights replaced by 0 (so a fully pruned query row gets
 * all-zero weights and a zero output row, with no dense fallback), then weights × V skipping
 * zero weights.
 *
 * @example
 * ```ts
 * import { maskedSoftmaxRows, weightsTimesV } from "./masked_attention.ts";
 * const scores = new Float32Array([1, 2, 3, 4]);
 * maskedSoftmaxRows(scores, new Uint8Array([1, 1, 0, 0]), 2); // row 0 sums to 1, row 1 is [0, 0]
 * weightsTimesV(scores, new Float32Array([1, 2]), 2, 1, new Float32Array(2));
 * ```
 * @module
 */

/**
 * In place over a `seqLen × seqLen` row-major matrix: each row becomes `exp(x − max) / sum` over
 * its kept entries (f32 operations in the reference's order: max ignoring NaN, sum ascending,
 * divide only when sum > 0); pruned entries become 0, and NaN (from a fully pruned row) becomes 0.
 *
 * @example
 * ```ts
 * const s = new Float32Array([0, 0, 5, 5]);
 * maskedSoftmaxRows(s, new Uint8Array([1, 1, 1, 0]), 2); // s = [0.5, 0.5, 1, 0]
 * ```
 */
export function maskedSoftmaxRows(scores: Float32Array, mask: Uint8Array, seqLen: number): void {
  const size = seqLen * seqLen;
  if (scores.length !== size || mask.length !== size) {
    throw new RangeError(
      `scores and mask have lengths ${scores.length} and ${mask.length}, expected ${size} (seq_len ${seqLen}²)`,
    );
  }
  for (let row = 0; row < size; row += seqLen) {
    const end = row + seqLen;
    let max = -Infinity;
    for (let i = row; i < end; i++) {
      const x = mask[i] !== 0 ? scores[i] : -Infinity;
      if (x > max) max = x;
    }
    let sum = 0;
    for (let i = row; i < end; i++) {
      const x = mask[i] !== 0 ? scores[i] : -Infinity;
      scores[i] = Math.exp(Math.fround(x - max));
      sum = Math.fround(sum + scores[i]);
    }
    for (let i = row; i < end; i++) {
      const w = sum > 0 ? scores[i] / sum : scores[i];
      scores[i] = Number.isNaN(w) ? 0 : w;
    }
  }
}

/**
 * `out = weights × V` in f32: `out[i·d+h] += w[i][j] · v[j·d+h]` for i, then j ascending, then h,
 * skipping every (i, j) whose weight is 0 (so non-finite values in unattended V rows never leak).
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * weightsTimesV(new Float32Array([0.5, 0.5, 0, 1]), new Float32Array([2, Infinity]), 2, 1, out);
 * // out = [Infinity, Infinity]; with weights [1, 0, 1, 0] it would be [2, 2]
 * ```
 */
export function weightsTimesV(
  weights: Float32Array,
  v: Float32Array,
  seqLen: number,
  d: number,
  out: Float32Array,
): void {
  if (weights.length !== seqLen * seqLen || v.length !== seqLen * d || out.length !== seqLen * d) {
    throw new RangeError(
      `weights, v and out have lengths ${weights.length}, ${v.length} and ${out.length}, ` +
        `expected ${seqLen * seqLen}, ${seqLen * d} and ${seqLen * d} (seq_len ${seqLen}, d ${d})`,
    );
  }
  out.fill(0);
  for (let i = 0; i < seqLen; i++) {
    const row = i * seqLen;
    const oi = i * d;
    for (let j = 0; j < seqLen; j++) {
      const w = weights[row + j];
      if (w === 0) continue;
      const vj = j * d;
      for (let h = 0; h < d; h++) out[oi + h] += Math.fround(w * v[vj + h]);
    }
  }
}
