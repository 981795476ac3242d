/**
 * Row-at-a-time softmax attention maths shared by the `flash`, `window` and `multihead` kernels.
 *
 * Every function works on one query row against a contiguous run of keys `[from, to)`, where key `j`
 * starts at `kvOff + j · stride` in K and V (so one head of a multi-head layout is addressed by its
 * offset and the token width as stride). Queries are first copied into f64 scratch pre-multiplied
 * by the attention scale, so a score is a plain dot product. Scores and sums accumulate in f64.
 * Inner loops take four keys at a time: four independent sums hide the add latency, and each
 * query or accumulator value is loaded once per four keys instead of once per key. The `Pair`
 * variants take two query rows at once as well, so each key and value load serves both rows
 * (what `flash`'s query blocks make possible).
 *
 * @example
 * ```ts
 * import { RowAttention } from "./row_softmax.ts";
 * const q = new Float32Array([1, 0, 0, 1]), k = q, v = new Float32Array([1, 2, 3, 4]);
 * const output = new Float32Array(4);
 * const rows = new RowAttention({ q, k, v, seq_len: 2, q_width: 2, kv_width: 2 }, output, 2, 2);
 * rows.attend(0, 0, 2, 0, 0); // query 0 against keys 0 and 1, into output[0..2)
 * ```
 * @module
 */
import type { AttentionInputs } from "../src/contracts.ts";
import { attentionScale } from "./params.ts";

const F64_BYTES = 8;

/**
 * Copies `d` values of `q` from `qOff` into `dest` at `destOff`, multiplied by `scale`.
 *
 * @example
 * ```ts
 * const dest = new Float64Array(2);
 * loadScaledRow(new Float32Array([2, 4]), 0, 2, 0.5, dest, 0); // dest = [1, 2]
 * ```
 */
export function loadScaledRow(
  q: Float32Array,
  qOff: number,
  d: number,
  scale: number,
  dest: Float64Array,
  destOff: number,
): void {
  for (let h = 0; h < d; h++) dest[(destOff + h) | 0] = q[(qOff + h) | 0] * scale;
}

/**
 * Writes the dot products of the query row `query[qOff..qOff+d)` with keys `[from, to)` into
 * `scores` starting at `at`, and returns the largest of them (`-Infinity` for an empty range).
 *
 * @example
 * ```ts
 * const scores = new Float64Array(2);
 * const k = new Float32Array([1, 0, 0, 1]);
 * scoreKeys(new Float64Array([3, 5]), 0, k, 0, 2, 2, 0, 2, scores, 0); // 5, scores = [3, 5]
 * ```
 */
export function scoreKeys(
  query: Float64Array,
  qOff: number,
  k: Float32Array,
  kvOff: number,
  stride: number,
  d: number,
  from: number,
  to: number,
  scores: Float64Array,
  at: number,
): number {
  let max = -Infinity;
  let out = at;
  let row = (kvOff + from * stride) | 0;
  let j = from;
  for (; j + 3 < to; j += 4) {
    const row1 = (row + stride) | 0;
    const row2 = (row1 + stride) | 0;
    const row3 = (row2 + stride) | 0;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let h = 0; h < d; h++) {
      const x = query[(qOff + h) | 0];
      s0 += x * k[(row + h) | 0];
      s1 += x * k[(row1 + h) | 0];
      s2 += x * k[(row2 + h) | 0];
      s3 += x * k[(row3 + h) | 0];
    }
    scores[out] = s0;
    scores[out + 1] = s1;
    scores[out + 2] = s2;
    scores[out + 3] = s3;
    const pair01 = s0 > s1 ? s0 : s1;
    const pair23 = s2 > s3 ? s2 : s3;
    const quad = pair01 > pair23 ? pair01 : pair23;
    if (quad > max) max = quad;
    out = (out + 4) | 0;
    row = (row3 + stride) | 0;
  }
  for (; j < to; j++) {
    let s = 0;
    for (let h = 0; h < d; h++) s += query[(qOff + h) | 0] * k[(row + h) | 0];
    scores[out] = s;
    if (s > max) max = s;
    out = (out + 1) | 0;
    row = (row + stride) | 0;
  }
  return max;
}

/**
 * {@link scoreKeys} for two consecutive query rows at once (`query` at `qOff` and `qOff + d`),
 * sharing every key load between them: row one's scores go to `scores[at..at+n)` and row two's to
 * `scores[at+n..at+2n)`, where `n = to − from`. Returns nothing; take maxima with {@link maxOf}.
 *
 * @example
 * ```ts
 * const scores = new Float64Array(2);
 * scoreKeysPair(new Float64Array([1, 0, 0, 1]), 0, new Float32Array([3, 5]), 0, 2, 2, 0, 1, scores, 0);
 * // scores = [3, 5]
 * ```
 */
export function scoreKeysPair(
  query: Float64Array,
  qOff: number,
  k: Float32Array,
  kvOff: number,
  stride: number,
  d: number,
  from: number,
  to: number,
  scores: Float64Array,
  at: number,
): void {
  const qOff2 = (qOff + d) | 0;
  let out = at;
  let out2 = (at + to - from) | 0;
  let row = (kvOff + from * stride) | 0;
  let j = from;
  for (; j + 3 < to; j += 4) {
    const row1 = (row + stride) | 0;
    const row2 = (row1 + stride) | 0;
    const row3 = (row2 + stride) | 0;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (let h = 0; h < d; h++) {
      const x = query[(qOff + h) | 0], y = query[(qOff2 + h) | 0];
      const k0 = k[(row + h) | 0], k1 = k[(row1 + h) | 0], k2 = k[(row2 + h) | 0], k3 = k[(row3 + h) | 0];
      s0 += x * k0;
      s1 += x * k1;
      s2 += x * k2;
      s3 += x * k3;
      t0 += y * k0;
      t1 += y * k1;
      t2 += y * k2;
      t3 += y * k3;
    }
    scores[out] = s0;
    scores[out + 1] = s1;
    scores[out + 2] = s2;
    scores[out + 3] = s3;
    scores[out2] = t0;
    scores[out2 + 1] = t1;
    scores[out2 + 2] = t2;
    scores[out2 + 3] = t3;
    out = (out + 4) | 0;
    out2 = (out2 + 4) | 0;
    row = (row3 + stride) | 0;
  }
  for (; j < to; j++) {
    let s = 0, t = 0;
    for (let h = 0; h < d; h++) {
      const key = k[(row + h) | 0];
      s += query[(qOff + h) | 0] * key;
      t += query[(qOff2 + h) | 0] * key;
    }
    scores[out] = s;
    scores[out2] = t;
    out = (out + 1) | 0;
    out2 = (out2 + 1) | 0;
    row = (row + stride) | 0;
  }
}

/**
 * Largest of `scores[from..to)` (`-Infinity` for an empty range).
 *
 * @example
 * ```ts
 * maxOf(new Float64Array([1, 7, 3]), 0, 3); // 7
 * ```
 */
export function maxOf(scores: Float64Array, from: number, to: number): number {
  let max = -Infinity;
  for (let j = from; j < to; j++) if (scores[j] > max) max = scores[j];
  return max;
}

/**
 * Replaces `scores[from..to)` by `exp(score − max)` and returns their sum.
 *
 * @example
 * ```ts
 * const scores = new Float64Array([0, Math.log(3)]);
 * expScores(scores, 0, 2, Math.log(3)); // 4/3, scores = [1/3, 1]
 * ```
 */
export function expScores(scores: Float64Array, from: number, to: number, max: number): number {
  let sum = 0;
  for (let j = from; j < to; j++) {
    const e = Math.exp(scores[j] - max);
    scores[j] = e;
    sum += e;
  }
  return sum;
}

/**
 * Adds `Σ weights[at + j − from] · V[j]` over keys `[from, to)` to `acc[accOff..accOff+d)`.
 *
 * @example
 * ```ts
 * const acc = new Float64Array(2);
 * const v = new Float32Array([1, 2, 3, 4]);
 * accumulateValues(v, 0, 2, 2, 0, 2, new Float64Array([0.5, 0.5]), 0, acc, 0); // acc = [2, 3]
 * ```
 */
export function accumulateValues(
  v: Float32Array,
  kvOff: number,
  stride: number,
  d: number,
  from: number,
  to: number,
  weights: Float64Array,
  at: number,
  acc: Float64Array,
  accOff: number,
): void {
  let w = at;
  let row = (kvOff + from * stride) | 0;
  let j = from;
  for (; j + 3 < to; j += 4) {
    const row1 = (row + stride) | 0;
    const row2 = (row1 + stride) | 0;
    const row3 = (row2 + stride) | 0;
    const w0 = weights[w], w1 = weights[w + 1], w2 = weights[w + 2], w3 = weights[w + 3];
    for (let h = 0; h < d; h++) {
      const a = (accOff + h) | 0;
      acc[a] += w0 * v[(row + h) | 0] + w1 * v[(row1 + h) | 0] + w2 * v[(row2 + h) | 0] +
        w3 * v[(row3 + h) | 0];
    }
    w = (w + 4) | 0;
    row = (row3 + stride) | 0;
  }
  for (; j < to; j++) {
    const weight = weights[w];
    for (let h = 0; h < d; h++) acc[(accOff + h) | 0] += weight * v[(row + h) | 0];
    w = (w + 1) | 0;
    row = (row + stride) | 0;
  }
}

/**
 * {@link accumulateValues} for two consecutive rows at once, sharing every value load: row one's
 * weights are `weights[at..at+n)` and go to `acc[accOff..)`, row two's are `weights[at+n..at+2n)`
 * and go to `acc[accOff+d..)`, where `n = to − from` (the layout {@link scoreKeysPair} writes).
 *
 * @example
 * ```ts
 * const acc = new Float64Array(4);
 * accumulateValuesPair(new Float32Array([1, 2]), 0, 2, 2, 0, 1, new Float64Array([1, 3]), 0, acc, 0);
 * // acc = [1, 2, 3, 6]
 * ```
 */
export function accumulateValuesPair(
  v: Float32Array,
  kvOff: number,
  stride: number,
  d: number,
  from: number,
  to: number,
  weights: Float64Array,
  at: number,
  acc: Float64Array,
  accOff: number,
): void {
  const accOff2 = (accOff + d) | 0;
  let w = at;
  let w2 = (at + to - from) | 0;
  let row = (kvOff + from * stride) | 0;
  let j = from;
  for (; j + 3 < to; j += 4) {
    const row1 = (row + stride) | 0;
    const row2 = (row1 + stride) | 0;
    const row3 = (row2 + stride) | 0;
    const a0 = weights[w], a1 = weights[w + 1], a2 = weights[w + 2], a3 = weights[w + 3];
    const b0 = weights[w2], b1 = weights[w2 + 1], b2 = weights[w2 + 2], b3 = weights[w2 + 3];
    for (let h = 0; h < d; h++) {
      const v0 = v[(row + h) | 0], v1 = v[(row1 + h) | 0], v2 = v[(row2 + h) | 0], v3 = v[(row3 + h) | 0];
      acc[(accOff + h) | 0] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
      acc[(accOff2 + h) | 0] += b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3;
    }
    w = (w + 4) | 0;
    w2 = (w2 + 4) | 0;
    row = (row3 + stride) | 0;
  }
  for (; j < to; j++) {
    const a = weights[w], b = weights[w2];
    for (let h = 0; h < d; h++) {
      const value = v[(row + h) | 0];
      acc[(accOff + h) | 0] += a * value;
      acc[(accOff2 + h) | 0] += b * value;
    }
    w = (w + 1) | 0;
    w2 = (w2 + 1) | 0;
    row = (row + stride) | 0;
  }
}

/**
 * Multiplies `acc[accOff..accOff+d)` by `factor` in place.
 *
 * @example
 * ```ts
 * const acc = new Float64Array([2, 4]);
 * scaleRow(acc, 0, 2, 0.5); // acc = [1, 2]
 * ```
 */
export function scaleRow(acc: Float64Array, accOff: number, d: number, factor: number): void {
  for (let h = 0; h < d; h++) acc[(accOff + h) | 0] *= factor;
}

/**
 * Writes `acc[accOff..accOff+d) · factor` into `output` at `outOff`.
 *
 * @example
 * ```ts
 * const output = new Float32Array(2);
 * storeRow(new Float64Array([2, 4]), 0, 2, 0.5, output, 0); // output = [1, 2]
 * ```
 */
export function storeRow(
  acc: Float64Array,
  accOff: number,
  d: number,
  factor: number,
  output: Float32Array,
  outOff: number,
): void {
  for (let h = 0; h < d; h++) output[(outOff + h) | 0] = acc[(accOff + h) | 0] * factor;
}

/**
 * One query row at a time against a prefix of keys `[0, prefixEnd)` plus a band `[from, to)`,
 * with exact (two-pass) softmax. Holds the scratch for it: the scaled query and the accumulator
 * (`d` values each) and one score per key (`maxKeys`), all f64, allocated once.
 *
 * @example
 * ```ts
 * const output = new Float32Array(4);
 * const inputs = { q: new Float32Array(4), k: new Float32Array(4), v: new Float32Array([1, 2, 3, 4]), seq_len: 2, q_width: 2, kv_width: 2 };
 * const rows = new RowAttention(inputs, output, 2, 2);
 * rows.attend(2, 0, 1, 0, 0); // query 1 against key 0 only: output row 1 = [1, 2]
 * ```
 */
export class RowAttention {
  readonly #q: Float32Array;
  readonly #k: Float32Array;
  readonly #v: Float32Array;
  readonly #output: Float32Array;
  readonly #stride: number;
  readonly #d: number;
  readonly #scale: number;
  readonly #query: Float64Array;
  readonly #scores: Float64Array;
  readonly #acc: Float64Array;

  /**
   * Scratch bytes one instance allocates for head dimension `d` and at most `maxKeys` keys a row.
   *
   * @example
   * ```ts
   * RowAttention.scratchBytes(512, 64); // (512 + 2·64) · 8 = 5120
   * ```
   */
  static scratchBytes(maxKeys: number, d: number): number {
    return (maxKeys + 2 * d) * F64_BYTES;
  }

  /** Binds the inputs and the output, and allocates the scratch. */
  constructor(inputs: AttentionInputs, output: Float32Array, d: number, maxKeys: number) {
    this.#q = inputs.q;
    this.#k = inputs.k;
    this.#v = inputs.v;
    this.#output = output;
    this.#stride = inputs.kv_width;
    this.#d = d;
    this.#scale = attentionScale(d);
    this.#query = new Float64Array(d);
    this.#scores = new Float64Array(maxKeys);
    this.#acc = new Float64Array(d);
  }

  /**
   * Attends the query at `q[qOff..qOff+d)` to keys `[0, prefixEnd)` and `[from, to)` of the head
   * at `kvOff`, and writes the result to `output[qOff..qOff+d)`. The two ranges must not overlap
   * and together hold at least one key and at most `maxKeys`.
   */
  attend(qOff: number, kvOff: number, prefixEnd: number, from: number, to: number): void {
    const d = this.#d, k = this.#k, v = this.#v, stride = this.#stride;
    const query = this.#query, scores = this.#scores, acc = this.#acc;
    loadScaledRow(this.#q, qOff, d, this.#scale, query, 0);
    const prefixMax = scoreKeys(query, 0, k, kvOff, stride, d, 0, prefixEnd, scores, 0);
    const bandMax = scoreKeys(query, 0, k, kvOff, stride, d, from, to, scores, prefixEnd);
    const max = prefixMax > bandMax ? prefixMax : bandMax;
    const sum = expScores(scores, 0, prefixEnd + to - from, max);
    acc.fill(0);
    accumulateValues(v, kvOff, stride, d, 0, prefixEnd, scores, 0, acc, 0);
    accumulateValues(v, kvOff, stride, d, from, to, scores, prefixEnd, acc, 0);
    storeRow(acc, 0, d, 1 / sum, this.#output, qOff);
  }
}
