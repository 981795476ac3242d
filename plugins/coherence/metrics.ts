/**
 * The core coherence metrics of ruvector-coherence `metrics.rs` (reference ruvector.md §2.1):
 * contradiction rate, entailment consistency and the behavioural delta between a baseline and a
 * gated attention output. Inputs are f32 in the original and every sum is f64; JS numbers are
 * f64, so a `Float32Array` or a `number[]` goes in as is. Sums run in index order from −0, like
 * Rust's `Iterator::sum` for f64.
 *
 * The cosine here is not the one in `quality.ts`: its dot product runs over the common prefix of
 * the two vectors but its norms cover each whole vector (§6 item 10). That only shows in
 * {@link entailmentConsistency}, because {@link deltaBehavior} truncates both vectors first.
 *
 * @example
 * ```ts
 * import { deltaBehavior } from "./metrics.ts";
 * deltaBehavior([1, 2, 3], [1, 2, 3]).coherence_delta; // 0
 * ```
 * @module
 */

/**
 * The behavioural difference between a baseline and a gated output (the reference `DeltaMetric`).
 *
 * @example
 * ```ts
 * import type { DeltaMetric } from "./metrics.ts";
 * const unchanged: DeltaMetric = { coherence_delta: 0, decision_flips: 0, path_length_change: 0 };
 * ```
 */
export interface DeltaMetric {
  /** cos(baseline, gated) − 1, in [−2, 0]; 0 when they point the same way. */
  coherence_delta: number;
  /** Positions whose sign bits differ (+0 against −0 counts, NaN goes by its sign bit). */
  decision_flips: number;
  /** ‖gated‖ / ‖baseline‖ − 1, or 0 when ‖baseline‖ ≤ f64 epsilon. */
  path_length_change: number;
}

/** Dot product over the first `n` entries, summed in index order from −0. */
function dot(a: ArrayLike<number>, b: ArrayLike<number>, n: number): number {
  let sum = -0;
  for (let i = 0; i < n; i++) sum += a[i] * b[i];
  return sum;
}

/** Euclidean norm of the first `n` entries (−0 when `n` is 0). */
function l2Norm(v: ArrayLike<number>, n: number): number {
  let sum = -0;
  for (let i = 0; i < n; i++) sum += v[i] * v[i];
  return Math.sqrt(sum);
}

/**
 * The reference's private cosine of `a` cut to `aLength` entries and `b` cut to `bLength`: dot
 * over the shorter ÷ the product of both norms, 0 when that product is below f64 epsilon.
 */
function cosine(a: ArrayLike<number>, b: ArrayLike<number>, aLength: number, bLength: number): number {
  const denominator = l2Norm(a, aLength) * l2Norm(b, bLength);
  return denominator < Number.EPSILON ? 0 : dot(a, b, Math.min(aLength, bLength)) / denominator;
}

/** Scratch f64 and its bits, to read the sign of a NaN number. */
const nanBits = new Float64Array(1);
const nanBitsView = new BigUint64Array(nanBits.buffer);

/**
 * Rust's `is_sign_positive` for every entry of `values`. A `Float32Array` is read bit for bit, so a
 * negative NaN keeps its sign even in engines that canonicalise NaN numbers; for other inputs a
 * NaN goes by the sign bit the engine stores.
 */
function signPositive(values: ArrayLike<number>): (i: number) => boolean {
  if (values instanceof Float32Array) {
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
    return (i) => bits[i] < 0x8000_0000;
  }
  return (i) => {
    const x = values[i];
    if (x > 0) return true;
    if (x === 0) return 1 / x > 0;
    if (x < 0) return false;
    nanBits[0] = x;
    return nanBitsView[0] < 0x8000_0000_0000_0000n;
  };
}

/**
 * Share of the first min(|predictions|, |references|) pairs whose dot product (over the common
 * prefix of the two vectors) is strictly negative; 0 when either list is empty.
 *
 * @example
 * ```ts
 * import { contradictionRate } from "./metrics.ts";
 * contradictionRate([[1, 2], [3, 4]], [[1, 1], [-1, -1]]); // 0.5
 * contradictionRate([[1, -5]], [[1]]); // 0 (only the first entry is compared)
 * ```
 */
export function contradictionRate(
  predictions: ArrayLike<ArrayLike<number>>,
  references: ArrayLike<ArrayLike<number>>,
): number {
  const n = Math.min(predictions.length, references.length);
  if (n === 0) return 0;
  let contradictions = 0;
  for (let i = 0; i < n; i++) {
    const p = predictions[i];
    const r = references[i];
    if (dot(p, r, Math.min(p.length, r.length)) < 0) contradictions++;
  }
  return contradictions / n;
}

/**
 * Mean cosine between consecutive outputs, with the whole-vector norms; 1 for fewer than two
 * outputs.
 *
 * @example
 * ```ts
 * import { entailmentConsistency } from "./metrics.ts";
 * entailmentConsistency([[1, 0], [0, 1]]); // 0
 * entailmentConsistency([[1, 0], [1, 0, 5]]); // 0.19611613513818404 (the tail counts in the norm)
 * ```
 */
export function entailmentConsistency(outputs: ArrayLike<ArrayLike<number>>): number {
  if (outputs.length < 2) return 1;
  const pairs = outputs.length - 1;
  let total = -0;
  for (let i = 0; i < pairs; i++) {
    const a = outputs[i];
    const b = outputs[i + 1];
    total += cosine(a, b, a.length, b.length);
  }
  return total / pairs;
}

/**
 * Coherence delta, sign flips and norm change of `gated` against `baseline`, both truncated to
 * their common length; all zeros when that length is 0.
 *
 * @example
 * ```ts
 * import { deltaBehavior } from "./metrics.ts";
 * deltaBehavior([1, -1, 1], [-1, 1, 1]).decision_flips; // 2
 * deltaBehavior([1, 2, 3, 4], [2, 4]).path_length_change; // 1
 * ```
 */
export function deltaBehavior(baseline: ArrayLike<number>, gated: ArrayLike<number>): DeltaMetric {
  const n = Math.min(baseline.length, gated.length);
  if (n === 0) return { coherence_delta: 0, decision_flips: 0, path_length_change: 0 };
  const baselinePositive = signPositive(baseline);
  const gatedPositive = signPositive(gated);
  let flips = 0;
  for (let i = 0; i < n; i++) if (baselinePositive(i) !== gatedPositive(i)) flips++;
  const baselineNorm = l2Norm(baseline, n);
  return {
    coherence_delta: cosine(baseline, gated, n, n) - 1,
    decision_flips: flips,
    path_length_change: baselineNorm > Number.EPSILON ? l2Norm(gated, n) / baselineNorm - 1 : 0,
  };
}
