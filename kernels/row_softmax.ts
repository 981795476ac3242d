/**
 * Softmax attention maths shared by the `flash`, `window`, `multihead` and `softmax` kernels.
 *
 * The single-row functions work on one query row against a contiguous run of keys `[from, to)`,
 * where key `j` starts at `kvOff + j · stride` in K and V (so one head of a multi-head layout is
 * addressed by its offset and the token width as stride); their inner loops take four keys at a
 * time, with four independent sums. The `Quad` functions take four query rows at once against a
 * tile of keys copied to f64 ({@link TileCopy}), so each key and value load serves four rows and no
 * load needs converting. Queries are first copied into f64 scratch pre-multiplied by the attention
 * scale, so a score is a plain dot product. Scores, sums and outputs accumulate in f64, and
 * exponentials are computed inline ({@link expScores}) rather than by calls to `Math.exp`.
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
import type { AttentionInputs } from "../plugin_kit.ts";
import { attentionScale } from "./params.ts";

const F64_BYTES = 8;

/** Table entries per doubling in the exponential of {@link expScores} and {@link expWeights}. */
const EXP_STEPS = 32;
const STEPS_PER_LN2 = EXP_STEPS / Math.LN2;
/** ln 2 / 32 in two parts (fdlibm's ln2_hi and ln2_lo over 32): `m · LN2_STEP_HI` is exact. */
const LN2_STEP_HI = 6.93147180369123816490e-1 / EXP_STEPS;
const LN2_STEP_LO = 1.90821492927058770002e-10 / EXP_STEPS;
/** 1.5 · 2^52: adding and then subtracting it rounds a double below 2^51 to the nearest integer. */
const ROUND_TO_INTEGER = 6755399441055744;
/** Below this, `exp` underflows to 0 in f64. */
const EXP_UNDERFLOW = -745;
/** `2^(j/32)` for j in [0, 32). */
const EXP2_STEPS = Float64Array.from({ length: EXP_STEPS }, (_, j) => 2 ** (j / EXP_STEPS));
/** `EXP2_WHOLE[m + EXP2_BIAS] = 2^m` for every whole m that exp of [EXP_UNDERFLOW, 0] needs. */
const EXP2_BIAS = 1075;
const EXP2_WHOLE = Float64Array.from({ length: EXP2_BIAS + 1 }, (_, i) => 2 ** (i - EXP2_BIAS));

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
 * `scores` starting at `at`. Take the maximum with {@link raiseMax}.
 *
 * @example
 * ```ts
 * const scores = new Float64Array(2);
 * const k = new Float32Array([1, 0, 0, 1]);
 * scoreKeys(new Float64Array([3, 5]), 0, k, 0, 2, 2, 0, 2, scores, 0); // scores = [3, 5]
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
): void {
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
    out = (out + 4) | 0;
    row = (row3 + stride) | 0;
  }
  for (; j < to; j++) {
    let s = 0;
    for (let h = 0; h < d; h++) s += query[(qOff + h) | 0] * k[(row + h) | 0];
    scores[out] = s;
    out = (out + 1) | 0;
    row = (row + stride) | 0;
  }
}

/**
 * Scores of four consecutive query rows (`query` at `qOff`, `qOff + d`, `qOff + 2d`, `qOff + 3d`)
 * against the first `count` keys of an f64 tile (row-major, `d` values a key; see
 * {@link TileCopy}). It runs over the head dimension four components at a time: those sixteen query
 * values stay in registers while each key's four matching values are loaded once for all four rows,
 * and the four partial dot products are added to their scores in place. Row `t`'s scores go to
 * `scores[at + t·count .. at + (t+1)·count)`. Take maxima with {@link raiseMax}.
 *
 * @example
 * ```ts
 * const scores = new Float64Array(4);
 * const query = new Float64Array([1, 2, 3, 4]); // four rows, d = 1
 * scoreKeysQuad(query, 0, new Float64Array([10]), 1, 1, scores, 0); // scores = [10, 20, 30, 40]
 * ```
 */
export function scoreKeysQuad(
  query: Float64Array,
  qOff: number,
  keys: Float64Array,
  d: number,
  count: number,
  scores: Float64Array,
  at: number,
): void {
  const s1 = (at + count) | 0, s2 = (s1 + count) | 0, s3 = (s2 + count) | 0;
  const q1 = (qOff + d) | 0, q2 = (q1 + d) | 0, q3 = (q2 + d) | 0;
  scores.fill(0, at, (s3 + count) | 0);
  let h = 0;
  for (; h + 3 < d; h += 4) {
    const h1 = (h + 1) | 0, h2 = (h + 2) | 0, h3 = (h + 3) | 0;
    const a0 = query[(qOff + h) | 0], a1 = query[(qOff + h1) | 0];
    const a2 = query[(qOff + h2) | 0], a3 = query[(qOff + h3) | 0];
    const b0 = query[(q1 + h) | 0], b1 = query[(q1 + h1) | 0];
    const b2 = query[(q1 + h2) | 0], b3 = query[(q1 + h3) | 0];
    const c0 = query[(q2 + h) | 0], c1 = query[(q2 + h1) | 0];
    const c2 = query[(q2 + h2) | 0], c3 = query[(q2 + h3) | 0];
    const e0 = query[(q3 + h) | 0], e1 = query[(q3 + h1) | 0];
    const e2 = query[(q3 + h2) | 0], e3 = query[(q3 + h3) | 0];
    let row = h;
    for (let c = 0; c < count; c++) {
      const k0 = keys[row], k1 = keys[(row + 1) | 0], k2 = keys[(row + 2) | 0], k3 = keys[(row + 3) | 0];
      scores[(at + c) | 0] += a0 * k0 + a1 * k1 + a2 * k2 + a3 * k3;
      scores[(s1 + c) | 0] += b0 * k0 + b1 * k1 + b2 * k2 + b3 * k3;
      scores[(s2 + c) | 0] += c0 * k0 + c1 * k1 + c2 * k2 + c3 * k3;
      scores[(s3 + c) | 0] += e0 * k0 + e1 * k1 + e2 * k2 + e3 * k3;
      row = (row + d) | 0;
    }
  }
  for (; h < d; h++) {
    const a = query[(qOff + h) | 0], b = query[(q1 + h) | 0];
    const c = query[(q2 + h) | 0], e = query[(q3 + h) | 0];
    let row = h;
    for (let j = 0; j < count; j++) {
      const key = keys[row];
      scores[(at + j) | 0] += a * key;
      scores[(s1 + j) | 0] += b * key;
      scores[(s2 + j) | 0] += c * key;
      scores[(s3 + j) | 0] += e * key;
      row = (row + d) | 0;
    }
  }
}

/**
 * Raises `stats[slot]` to the largest of `scores[from..to)` where that is larger. The result goes
 * to a typed-array slot, not a return value: V8 boxes a double returned from a call it did not
 * inline, which would allocate on every row.
 *
 * @example
 * ```ts
 * const stats = new Float64Array([-Infinity, 0]);
 * raiseMax(new Float64Array([1, 7, 3]), 0, 3, stats, 0); // stats[0] = 7
 * ```
 */
export function raiseMax(
  scores: Float64Array,
  from: number,
  to: number,
  stats: Float64Array,
  slot: number,
): void {
  let max = stats[slot];
  for (let j = from; j < to; j++) if (scores[j] > max) max = scores[j];
  stats[slot] = max;
}

/**
 * Row statistics `[max, sum]` at `stats[slot]`, `stats[slot + 1]`: replaces `scores[from..to)` by
 * `exp(score − max)` and adds their sum to `stats[slot + 1]`. `max` is meant to be at least every
 * score, so the exponent is at most 0; there the exponential is computed inline, as
 * `2^m · 2^(j/32) · e^r` with `x = (32m + j) · ln2/32 + r`, |r| ≤ ln2/64, the powers of two from
 * tables and `e^r` from its degree-5 Taylor polynomial (relative error below 1e-14, against the
 * several nanoseconds of a `Math.exp` call). Other exponents (positive, NaN) go to `Math.exp`.
 *
 * @example
 * ```ts
 * const scores = new Float64Array([0, Math.log(3)]);
 * const stats = new Float64Array([Math.log(3), 0]);
 * expScores(scores, 0, 2, stats, 0); // stats[1] = 4/3, scores = [1/3, 1]
 * ```
 */
export function expScores(
  scores: Float64Array,
  from: number,
  to: number,
  stats: Float64Array,
  slot: number,
): void {
  const whole = EXP2_WHOLE, steps = EXP2_STEPS, max = stats[slot];
  let sum = 0;
  for (let j = from; j < to; j++) {
    const x = scores[j] - max;
    let e: number;
    if (x >= EXP_UNDERFLOW && x <= 0) {
      const k = x * STEPS_PER_LN2 + ROUND_TO_INTEGER - ROUND_TO_INTEGER;
      const r = x - k * LN2_STEP_HI - k * LN2_STEP_LO;
      const step = k | 0;
      e = whole[((step >> 5) + EXP2_BIAS) | 0] * steps[step & 31] *
        (1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120))))));
    } else e = Math.exp(x);
    scores[j] = e;
    sum += e;
  }
  stats[slot + 1] += sum;
}

/**
 * {@link expScores} on a row of f32 weights: replaces `weights[from..to)` by `exp(w − max)` and
 * stores their sum (taken in f64, before rounding to f32) at `sums[slot]`.
 *
 * @example
 * ```ts
 * const weights = new Float32Array([0, Math.log(3)]), sums = new Float64Array(1);
 * expWeights(weights, 0, 2, Math.fround(Math.log(3)), sums, 0); // weights ≈ [1/3, 1], sums[0] ≈ 4/3
 * ```
 */
export function expWeights(
  weights: Float32Array,
  from: number,
  to: number,
  max: number,
  sums: Float64Array,
  slot: number,
): void {
  const whole = EXP2_WHOLE, steps = EXP2_STEPS;
  let sum = 0;
  for (let j = from; j < to; j++) {
    const x = weights[j] - max;
    let e: number;
    if (x >= EXP_UNDERFLOW && x <= 0) {
      const k = x * STEPS_PER_LN2 + ROUND_TO_INTEGER - ROUND_TO_INTEGER;
      const r = x - k * LN2_STEP_HI - k * LN2_STEP_LO;
      const step = k | 0;
      e = whole[((step >> 5) + EXP2_BIAS) | 0] * steps[step & 31] *
        (1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120))))));
    } else e = Math.exp(x);
    weights[j] = e;
    sum += e;
  }
  sums[slot] = sum;
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
 * Four rows of weights take in the first `count` values of an f64 tile (row-major, `d` values a
 * key; see {@link TileCopy}): row `t`'s weights `weights[at + t·count ..)` (the layout
 * {@link scoreKeysQuad} writes) go into `acc[accOff + t·d ..)`. Four keys at a time, so each value
 * loaded serves four rows and each accumulator update takes in four keys.
 *
 * @example
 * ```ts
 * const acc = new Float64Array(8);
 * const weights = new Float64Array([1, 2, 3, 4]); // four rows, one key
 * accumulateValuesQuad(new Float64Array([1, 2]), 2, 1, weights, 0, acc, 0);
 * // acc = [1, 2, 2, 4, 3, 6, 4, 8]
 * ```
 */
export function accumulateValuesQuad(
  values: Float64Array,
  d: number,
  count: number,
  weights: Float64Array,
  at: number,
  acc: Float64Array,
  accOff: number,
): void {
  const acc1 = (accOff + d) | 0, acc2 = (acc1 + d) | 0, acc3 = (acc2 + d) | 0;
  const w1 = (at + count) | 0, w2 = (w1 + count) | 0, w3 = (w2 + count) | 0;
  let row = 0;
  let j = 0;
  for (; j + 3 < count; j += 4) {
    const row1 = (row + d) | 0, row2 = (row1 + d) | 0, row3 = (row2 + d) | 0;
    const j1 = (j + 1) | 0, j2 = (j + 2) | 0, j3 = (j + 3) | 0;
    const a0 = weights[(at + j) | 0], a1 = weights[(at + j1) | 0];
    const a2 = weights[(at + j2) | 0], a3 = weights[(at + j3) | 0];
    const b0 = weights[(w1 + j) | 0], b1 = weights[(w1 + j1) | 0];
    const b2 = weights[(w1 + j2) | 0], b3 = weights[(w1 + j3) | 0];
    const c0 = weights[(w2 + j) | 0], c1 = weights[(w2 + j1) | 0];
    const c2 = weights[(w2 + j2) | 0], c3 = weights[(w2 + j3) | 0];
    const e0 = weights[(w3 + j) | 0], e1 = weights[(w3 + j1) | 0];
    const e2 = weights[(w3 + j2) | 0], e3 = weights[(w3 + j3) | 0];
    for (let h = 0; h < d; h++) {
      const v0 = values[(row + h) | 0], v1 = values[(row1 + h) | 0];
      const v2 = values[(row2 + h) | 0], v3 = values[(row3 + h) | 0];
      acc[(accOff + h) | 0] += a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
      acc[(acc1 + h) | 0] += b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3;
      acc[(acc2 + h) | 0] += c0 * v0 + c1 * v1 + c2 * v2 + c3 * v3;
      acc[(acc3 + h) | 0] += e0 * v0 + e1 * v1 + e2 * v2 + e3 * v3;
    }
    row = (row3 + d) | 0;
  }
  for (; j < count; j++) {
    const a = weights[(at + j) | 0], b = weights[(w1 + j) | 0];
    const c = weights[(w2 + j) | 0], e = weights[(w3 + j) | 0];
    for (let h = 0; h < d; h++) {
      const value = values[(row + h) | 0];
      acc[(accOff + h) | 0] += a * value;
      acc[(acc1 + h) | 0] += b * value;
      acc[(acc2 + h) | 0] += c * value;
      acc[(acc3 + h) | 0] += e * value;
    }
    row = (row + d) | 0;
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
 * f64 copies of a row-major f32 matrix (`rows` rows of `width` values) one tile of `tile` rows at a
 * time, for the blocked kernels' inner loops. Views of every tile are made up front, so
 * {@link TileCopy.load} is a single typed-array `set` (converted in native code) and allocates
 * nothing; the copy is `tile × width` f64 whatever the number of rows.
 *
 * @example
 * ```ts
 * const keys = new TileCopy(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2, 2); // 3 rows of 2, tiles of 2
 * keys.load(0); // keys.data = [1, 2, 3, 4]
 * keys.load(1); // keys.data = [5, 6, 3, 4]: the last tile has one row
 * ```
 */
export class TileCopy {
  /** The loaded tile, row-major. */
  readonly data: Float64Array;
  readonly #tiles: Float32Array[];

  /** Views the tiles of `source` and allocates the copy. */
  constructor(source: Float32Array, rows: number, width: number, tile: number) {
    this.data = new Float64Array(tile * width);
    this.#tiles = Array.from(
      { length: Math.ceil(rows / tile) },
      (_, t) => source.subarray(t * tile * width, Math.min(rows, (t + 1) * tile) * width),
    );
  }

  /** Copies rows `[t · tile, (t + 1) · tile)` (fewer for the last tile) into {@link TileCopy.data}. */
  load(t: number): void {
    this.data.set(this.#tiles[t]);
  }
}

/**
 * One query row at a time against a prefix of keys `[0, prefixEnd)` plus a band `[from, to)`,
 * with exact (two-pass) softmax. Holds the scratch for it: the scaled query and the accumulator
 * (`d` values each), one score per key (`maxKeys`) and the row's `[max, sum]`, all f64, allocated
 * once.
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
  /** The row's `[max, sum]` (see {@link expScores}). */
  readonly #stats: Float64Array;

  /**
   * Scratch bytes one instance allocates for head dimension `d` and at most `maxKeys` keys a row.
   *
   * @example
   * ```ts
   * RowAttention.scratchBytes(512, 64); // (512 + 2·64 + 2) · 8 = 5136
   * ```
   */
  static scratchBytes(maxKeys: number, d: number): number {
    return (maxKeys + 2 * d + 2) * F64_BYTES;
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
    this.#stats = new Float64Array(2);
  }

  /**
   * Attends the query at `q[qOff..qOff+d)` to keys `[0, prefixEnd)` and `[from, to)` of the head
   * at `kvOff`, and writes the result to `output[qOff..qOff+d)`. The two ranges must not overlap
   * and together hold at least one key and at most `maxKeys`.
   */
  attend(qOff: number, kvOff: number, prefixEnd: number, from: number, to: number): void {
    const d = this.#d, k = this.#k, v = this.#v, stride = this.#stride;
    const query = this.#query, scores = this.#scores, acc = this.#acc, stats = this.#stats;
    const keys = prefixEnd + to - from;
    loadScaledRow(this.#q, qOff, d, this.#scale, query, 0);
    scoreKeys(query, 0, k, kvOff, stride, d, 0, prefixEnd, scores, 0);
    scoreKeys(query, 0, k, kvOff, stride, d, from, to, scores, prefixEnd);
    stats[0] = -Infinity;
    stats[1] = 0;
    raiseMax(scores, 0, keys, stats, 0);
    expScores(scores, 0, keys, stats, 0);
    acc.fill(0);
    accumulateValues(v, kvOff, stride, d, 0, prefixEnd, scores, 0, acc, 0);
    accumulateValues(v, kvOff, stride, d, from, to, scores, prefixEnd, acc, 0);
    storeRow(acc, 0, d, 1 / stats[1], this.#output, qOff);
  }
}
