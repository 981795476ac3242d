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

/** What a pruned (index 0) and a kept (index 1) entry add to its score before the row max. */
const PRUNED_PENALTY = new Float64Array([-Infinity, 0]);

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
  const penalty = PRUNED_PENALTY;
  for (let row = 0; row < size; row += seqLen) {
    const end = row + seqLen;
    let max = -Infinity;
    for (let i = row; i < end; i++) {
      // A pruned entry reads −∞ (or NaN, from +∞ − ∞), which never raises the max; a kept one
      // reads its score (x + 0 = x). A table lookup instead of a branch the half-random mask
      // would mispredict every other entry.
      const x = scores[i] + penalty[(mask[i] + 255) >> 8];
      if (x > max) max = x;
    }
    // A pruned entry's exp(−∞ − max) is 0, or NaN when the whole row is pruned (max = −∞), which
    // ends as 0 as well, and adding 0 leaves the f32 sum unchanged: so pruned entries skip exp.
    let sum = 0;
    for (let i = row; i < end; i++) {
      scores[i] = mask[i] !== 0 ? Math.exp(Math.fround(scores[i] - max)) : 0;
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
 * `v` holds f32 values: V itself or its Float64Array copy (./wide_inputs.ts). Each output value
 * takes in its keys in the same order either way; only the loop differs with the engine's strength:
 * over the copy (V8), eight output values at a time stay in registers across all the row's keys;
 * over V itself (JavaScriptCore, which keeps f32 in registers), four keys at a time pass over the
 * output row.
 * `keys` is scratch for one row's attended key indices (at least `seqLen` long); pass it to avoid
 * allocating.
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
  v: Float32Array | Float64Array,
  seqLen: number,
  d: number,
  out: Float32Array,
  keys: Int32Array = new Int32Array(seqLen),
): void {
  if (weights.length !== seqLen * seqLen || v.length !== seqLen * d || out.length !== seqLen * d) {
    throw new RangeError(
      `weights, v and out have lengths ${weights.length}, ${v.length} and ${out.length}, ` +
        `expected ${seqLen * seqLen}, ${seqLen * d} and ${seqLen * d} (seq_len ${seqLen}, d ${d})`,
    );
  }
  if (keys.length < seqLen) {
    throw new RangeError(`keys has length ${keys.length}, expected at least ${seqLen}`);
  }
  if (v instanceof Float64Array) {
    weightedRows(weights, v, seqLen, d, out, keys);
    return;
  }
  out.fill(0);
  for (let i = 0; i < seqLen; i++) {
    const row = i * seqLen;
    const count = attendedKeys(weights, row, seqLen, keys);
    accumulateRow(weights, row, keys, count, v, d, out, i * d);
  }
}

/**
 * {@link weightsTimesV} over V's Float64Array copy: per row, its attended keys, then eight output
 * values at a time whose f32 sums stay in registers across all those keys, each stored once (one
 * at a time for the last d mod 8). One function for the whole matrix: V8 optimises it whole after
 * a few calls, where helpers called per row stayed slower.
 */
function weightedRows(
  weights: Float32Array,
  v: Float64Array,
  n: number,
  d: number,
  out: Float32Array,
  keys: Int32Array,
): void {
  const f32 = Math.fround;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const count = attendedKeys(weights, row, n, keys);
    const oi = i * d;
    let h = 0;
    for (; h + 7 < d; h += 8) {
      let o0 = 0, o1 = 0, o2 = 0, o3 = 0, o4 = 0, o5 = 0, o6 = 0, o7 = 0;
      for (let c = 0; c < count; c++) {
        const j = keys[c];
        const w = weights[row + j];
        const vj = j * d + h;
        o0 = f32(o0 + f32(w * v[vj]));
        o1 = f32(o1 + f32(w * v[vj + 1]));
        o2 = f32(o2 + f32(w * v[vj + 2]));
        o3 = f32(o3 + f32(w * v[vj + 3]));
        o4 = f32(o4 + f32(w * v[vj + 4]));
        o5 = f32(o5 + f32(w * v[vj + 5]));
        o6 = f32(o6 + f32(w * v[vj + 6]));
        o7 = f32(o7 + f32(w * v[vj + 7]));
      }
      out[oi + h] = o0;
      out[oi + h + 1] = o1;
      out[oi + h + 2] = o2;
      out[oi + h + 3] = o3;
      out[oi + h + 4] = o4;
      out[oi + h + 5] = o5;
      out[oi + h + 6] = o6;
      out[oi + h + 7] = o7;
    }
    for (; h < d; h++) {
      let o = 0;
      for (let c = 0; c < count; c++) o = f32(o + f32(weights[row + keys[c]] * v[keys[c] * d + h]));
      out[oi + h] = o;
    }
  }
}

/**
 * Writes the indices j with a nonzero weight `weights[row + j]` into `keys`; returns how many.
 * Branch-free (every j is written, the count moves past the attended ones): a branch on a
 * half-pruned row is mispredicted every other entry.
 */
function attendedKeys(weights: Float32Array, row: number, n: number, keys: Int32Array): number {
  let count = 0;
  for (let j = 0; j < n; j++) {
    keys[count] = j;
    count += Number(weights[row + j] !== 0);
  }
  return count;
}

/**
 * Adds `weights[row + j] · V[j]` for the `count` keys j in `keys` to `out[oi..oi+d)`, in f32 and in
 * key order. Four keys per pass over h: each output value is loaded and stored once per four keys
 * and still receives its additions one at a time, in the same order.
 */
function accumulateRow(
  weights: Float32Array,
  row: number,
  keys: Int32Array,
  count: number,
  v: Float32Array,
  d: number,
  out: Float32Array,
  oi: number,
): void {
  const f32 = Math.fround;
  let c = 0;
  for (; c + 3 < count; c += 4) {
    const j0 = keys[c], j1 = keys[c + 1], j2 = keys[c + 2], j3 = keys[c + 3];
    const w0 = weights[row + j0], w1 = weights[row + j1], w2 = weights[row + j2], w3 = weights[row + j3];
    const v0 = j0 * d, v1 = j1 * d, v2 = j2 * d, v3 = j3 * d;
    for (let h = 0; h < d; h++) {
      let o = f32(out[oi + h] + f32(w0 * v[v0 + h]));
      o = f32(o + f32(w1 * v[v1 + h]));
      o = f32(o + f32(w2 * v[v2 + h]));
      out[oi + h] = o + f32(w3 * v[v3 + h]);
    }
  }
  for (; c < count; c++) {
    const w = weights[row + keys[c]];
    const vj = keys[c] * d;
    for (let h = 0; h < d; h++) out[oi + h] += f32(w * v[vj + h]);
  }
}
