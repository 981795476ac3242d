/**
 * The attention half of the reference `attn_mincut` (ruvector.md §1.4), in f32: a row softmax
 * in which pruned logits count as −∞, NaN weights replaced by 0 (so a fully pruned query row gets
 * all-zero weights and a zero output row, with no dense fallback), then weights × V skipping
 * zero weights. The kernel's JS path runs both in one pass per row (`maskedAttention`);
 * `maskedSoftmaxRows` and `weightsTimesV` are the two steps on their own, as the wasm backend
 * runs them, for the tests that hold the two backends to the same bits.
 *
 * @example
 * ```ts
 * import { maskedAttention, maskedSoftmaxRows, weightsTimesV } from "./masked_attention.ts";
 * const scores = new Float32Array([1, 2, 3, 4]);
 * const out = new Float32Array(2);
 * maskedAttention(scores, new Uint8Array([1, 1, 0, 0]), new Float32Array([1, 2]), 2, 1, out); // out[1] = 0
 * maskedSoftmaxRows(scores, new Uint8Array([1, 1, 0, 0]), 2); // row 0 sums to 1, row 1 is [0, 0]
 * weightsTimesV(scores, new Float32Array([1, 2]), 2, 1, out); // the same out
 * ```
 * @module
 */

import { WIDEN_INPUTS } from "./wide_inputs.ts";

/**
 * Scratch for one row's attended entries: key indices and their values (scores, then weights,
 * all f32 values), each at least `seqLen` long. Pass one to the functions here to run them
 * without allocating.
 *
 * @example
 * ```ts
 * const scratch: RowScratch = rowScratch(2);
 * const out = new Float32Array(2);
 * maskedAttention(new Float32Array([0, 0, 5, 5]), new Uint8Array([1, 1, 1, 0]), new Float32Array([2, 4]), 2, 1, out, scratch);
 * ```
 */
export interface RowScratch {
  keys: Int32Array;
  values: Float32Array | Float64Array;
}

/**
 * Allocates a {@link RowScratch} for rows of `seqLen` entries. Its values are a Float64Array
 * where the JS path widens its inputs (V8, ./wide_inputs.ts), which multiplies them faster
 * there, and a Float32Array on JavaScriptCore, which multiplies f32 by f32 in f32 registers.
 *
 * @example
 * ```ts
 * rowScratch(4).keys.length; // 4
 * ```
 */
export function rowScratch(seqLen: number): RowScratch {
  const values = WIDEN_INPUTS ? new Float64Array(seqLen) : new Float32Array(seqLen);
  return { keys: new Int32Array(seqLen), values };
}

/**
 * Bytes a {@link rowScratch} of `seqLen` allocates on this engine.
 *
 * @example
 * ```ts
 * rowScratchBytes(4); // 48 on V8, 32 on JavaScriptCore
 * ```
 */
export function rowScratchBytes(seqLen: number): number {
  const { keys, values } = rowScratch(0);
  return seqLen * (keys.BYTES_PER_ELEMENT + values.BYTES_PER_ELEMENT);
}

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
export function maskedSoftmaxRows(
  scores: Float32Array,
  mask: Uint8Array,
  seqLen: number,
  scratch: RowScratch = rowScratch(seqLen),
): void {
  checkSizes(scores, mask, seqLen, scratch);
  const { keys, values } = scratch;
  for (let row = 0; row < seqLen * seqLen; row += seqLen) {
    const count = rowWeights(scores, mask, row, seqLen, keys, values);
    for (let j = 0; j < seqLen; j++) scores[row + j] = 0;
    for (let c = 0; c < count; c++) scores[row + keys[c]] = values[c];
  }
}

/**
 * The masked softmax and weights × V of `attn_mincut` in one pass per row, equal bit for bit to
 * {@link maskedSoftmaxRows} followed by {@link weightsTimesV}, without writing the weights back:
 * each row's attended keys and weights go straight from the softmax to the multiply. `scores`
 * is left as it was. `v` holds f32 values: V itself or its Float64Array copy (./wide_inputs.ts).
 *
 * @example
 * ```ts
 * const out = new Float32Array(2);
 * maskedAttention(new Float32Array([0, 0, 5, 5]), new Uint8Array([1, 1, 1, 0]), new Float32Array([2, 4]), 2, 1, out);
 * // out = [3, 2]
 * ```
 */
export function maskedAttention(
  scores: Float32Array,
  mask: Uint8Array,
  v: Float32Array | Float64Array,
  seqLen: number,
  d: number,
  out: Float32Array,
  scratch: RowScratch = rowScratch(seqLen),
): void {
  checkSizes(scores, mask, seqLen, scratch);
  checkProductSizes(v, seqLen, d, out);
  const { keys, values } = scratch;
  for (let i = 0; i < seqLen; i++) {
    const count = rowWeights(scores, mask, i * seqLen, seqLen, keys, values);
    accumulateRow(keys, values, count, v, d, out, i * d);
  }
}

/**
 * `out = weights × V` in f32: `out[i·d+h] += w[i][j] · v[j·d+h]` for i, then j ascending, then h,
 * skipping every (i, j) whose weight is 0 (so non-finite values in unattended V rows never leak).
 * `v` holds f32 values: V itself or its Float64Array copy (./wide_inputs.ts).
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
  scratch: RowScratch = rowScratch(seqLen),
): void {
  if (weights.length !== seqLen * seqLen) {
    throw new RangeError(
      `weights has length ${weights.length}, expected ${seqLen * seqLen} (seq_len ${seqLen}²)`,
    );
  }
  checkScratch(scratch, seqLen);
  checkProductSizes(v, seqLen, d, out);
  const { keys, values } = scratch;
  for (let i = 0; i < seqLen; i++) {
    const row = i * seqLen;
    let count = 0;
    for (let j = 0; j < seqLen; j++) {
      const w = weights[row + j];
      keys[count] = j;
      values[count] = w;
      count += Number(w !== 0); // without a branch: half-pruned rows would mispredict
    }
    accumulateRow(keys, values, count, v, d, out, i * d);
  }
}

/**
 * The attended keys and f32 weights of one row of the masked softmax, into `keys[0..count)` and
 * `values[0..count)`; returns count. Kept entries are listed first (without a branch: the
 * half-random mask would mispredict one at every other entry), so exp, the sum and the division
 * visit only them. Pruned entries count as −∞ in the reference, so they never raise the max, add
 * exp(−∞) = 0 to the f32 sum (leaving it unchanged) and get weight 0. A kept NaN never raises
 * the max either (the reference's f32::max ignores NaN), but it makes the sum NaN: as in the
 * reference, that row is then not divided (its other weights stay exp(x − max)) and the NaN
 * weight itself is 0. Weights of 0 are dropped from the list, as weights × V skips them.
 */
function rowWeights(
  scores: Float32Array,
  mask: Uint8Array,
  row: number,
  n: number,
  keys: Int32Array,
  values: Float32Array | Float64Array,
): number {
  let kept = 0;
  for (let j = 0; j < n; j++) {
    keys[kept] = j;
    values[kept] = scores[row + j];
    kept += (mask[row + j] + 255) >> 8; // 1 for a kept entry
  }
  let max = -Infinity;
  for (let c = 0; c < kept; c++) if (values[c] > max) max = values[c];
  let sum = 0;
  for (let c = 0; c < kept; c++) {
    const e = Math.fround(Math.exp(Math.fround(values[c] - max)));
    values[c] = e;
    sum = Math.fround(sum + e);
  }
  const divide = sum > 0;
  let count = 0;
  for (let c = 0; c < kept; c++) {
    const w = Math.fround(divide ? values[c] / sum : values[c]);
    keys[count] = keys[c];
    values[count] = w;
    count += Number(w !== 0) & Number(!Number.isNaN(w)); // a NaN weight is 0 in the reference
  }
  return count;
}

/**
 * Writes into `out[oi..oi+d)` the f32 sums of `values[c] · V[keys[c]]` for c = 0 … count−1,
 * in f32 and in list order. Only the loop differs with the engine's strength, never the order in
 * which an output value takes in its keys: over V's Float64Array copy (V8), eight output values
 * at a time stay in registers across all the keys, each stored once (one at a time for the last
 * d mod 8); over V itself (JavaScriptCore, which keeps f32 in registers), four keys at a time pass
 * over the output row.
 */
function accumulateRow(
  keys: Int32Array,
  values: Float32Array | Float64Array,
  count: number,
  v: Float32Array | Float64Array,
  d: number,
  out: Float32Array,
  oi: number,
): void {
  if (v instanceof Float64Array) registerBlocks(keys, values, count, v, d, out, oi);
  else keyPasses(keys, values, count, v, d, out, oi);
}

/** {@link accumulateRow} over V's Float64Array copy: eight output values at a time in registers. */
function registerBlocks(
  keys: Int32Array,
  values: Float32Array | Float64Array,
  count: number,
  v: Float64Array,
  d: number,
  out: Float32Array,
  oi: number,
): void {
  const f32 = Math.fround;
  let h = 0;
  for (; h + 7 < d; h += 8) {
    let o0 = 0, o1 = 0, o2 = 0, o3 = 0, o4 = 0, o5 = 0, o6 = 0, o7 = 0;
    for (let c = 0; c < count; c++) {
      const w = values[c];
      const vj = keys[c] * d + h;
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
    for (let c = 0; c < count; c++) o = f32(o + f32(values[c] * v[keys[c] * d + h]));
    out[oi + h] = o;
  }
}

/**
 * {@link accumulateRow} over V itself: four keys per pass over the output row, so each output
 * value is loaded and stored once per four keys and still takes in its keys one at a time.
 */
function keyPasses(
  keys: Int32Array,
  values: Float32Array | Float64Array,
  count: number,
  v: Float32Array,
  d: number,
  out: Float32Array,
  oi: number,
): void {
  const f32 = Math.fround;
  for (let h = 0; h < d; h++) out[oi + h] = 0;
  let c = 0;
  for (; c + 3 < count; c += 4) {
    const w0 = values[c], w1 = values[c + 1], w2 = values[c + 2], w3 = values[c + 3];
    const v0 = keys[c] * d, v1 = keys[c + 1] * d, v2 = keys[c + 2] * d, v3 = keys[c + 3] * d;
    for (let h = 0; h < d; h++) {
      let o = f32(out[oi + h] + f32(w0 * v[v0 + h]));
      o = f32(o + f32(w1 * v[v1 + h]));
      o = f32(o + f32(w2 * v[v2 + h]));
      out[oi + h] = o + f32(w3 * v[v3 + h]);
    }
  }
  for (; c < count; c++) {
    const w = values[c];
    const vj = keys[c] * d;
    for (let h = 0; h < d; h++) out[oi + h] += f32(w * v[vj + h]);
  }
}

/** Throws a RangeError when scores or mask is not seqLen², or the scratch is too short. */
function checkSizes(scores: Float32Array, mask: Uint8Array, seqLen: number, scratch: RowScratch): void {
  const size = seqLen * seqLen;
  if (scores.length !== size || mask.length !== size) {
    throw new RangeError(
      `scores and mask have lengths ${scores.length} and ${mask.length}, expected ${size} (seq_len ${seqLen}²)`,
    );
  }
  checkScratch(scratch, seqLen);
}

/** Throws a RangeError when the scratch lists are shorter than a row. */
function checkScratch({ keys, values }: RowScratch, seqLen: number): void {
  if (keys.length < seqLen || values.length < seqLen) {
    throw new RangeError(
      `scratch keys and values have lengths ${keys.length} and ${values.length}, expected at least ${seqLen}`,
    );
  }
}

/** Throws a RangeError when V or the output is not seqLen × d. */
function checkProductSizes(
  v: Float32Array | Float64Array,
  seqLen: number,
  d: number,
  out: Float32Array,
): void {
  if (v.length !== seqLen * d || out.length !== seqLen * d) {
    throw new RangeError(
      `v and out have lengths ${v.length} and ${out.length}, expected ${
        seqLen * d
      } (seq_len ${seqLen} × d ${d})`,
    );
  }
}
