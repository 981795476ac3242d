/**
 * Attention logits exactly as the reference computes them (ruvector.md §1.4, `compute_logits`):
 * every `+` and `*` rounded to f32, dot products accumulated in ascending order, then multiplied
 * by the f32 scale `1/√d` (not divided by √d).
 *
 * @example
 * ```ts
 * import { computeLogits } from "./logits.ts";
 * const q = new Float32Array([1, 1, 1, 1]);
 * computeLogits(q, q, 4, 1); // Float32Array [2]
 * ```
 * @module
 */
import { attentionScale } from "../params.ts";

/**
 * Writes `logits[i·seqLen + j] = f32(Σ_h q[i·d+h]·k[j·d+h]) · f32(1/√d)` into `out` (allocated
 * when not given) and returns it. `q` and `k` hold f32 values: the inputs themselves or their
 * Float64Array copies (./wide_inputs.ts), which give the same bits faster on V8. Row i is the query token, column j the key token. `scale` must
 * be `attentionScale(d)`, the f32 1/√d; a caller that runs every call allocation-free computes it
 * once and passes it, since on V8 a floating-point number computed here and passed on to a helper
 * the JIT did not inline is boxed on the heap.
 *
 * @example
 * ```ts
 * const q = new Float32Array([1, 0, 0, 1]);
 * computeLogits(q, q, 2, 2); // Float32Array [0.70710677, 0, 0, 0.70710677]
 * computeLogits(q, q, 2, 2, new Float32Array(4), attentionScale(2)); // the same, into the given array
 * ```
 */
export function computeLogits(
  q: Float32Array | Float64Array,
  k: Float32Array | Float64Array,
  d: number,
  seqLen: number,
  out: Float32Array = new Float32Array(seqLen * seqLen),
  scale: number = attentionScale(d),
): Float32Array {
  if (q.length !== seqLen * d || k.length !== seqLen * d || out.length !== seqLen * seqLen) {
    // The messages are strings built per call: only on a mismatch.
    checkLength("q", q.length, seqLen * d, `seq_len ${seqLen} × d ${d}`);
    checkLength("k", k.length, seqLen * d, `seq_len ${seqLen} × d ${d}`);
    checkLength("logits", out.length, seqLen * seqLen, `seq_len ${seqLen}²`);
  }
  for (let i = 0; i < seqLen; i++) logitRow(q, i * d, k, d, seqLen, scale, out, i * seqLen);
  return out;
}

/**
 * The logits of the query at `q[qi..qi+d)` against all `n` keys, into `out[row..row+n)`. Four keys
 * at a time: four independent f32 sums hide the latency of rounding each step, while each sum is
 * still accumulated over h in ascending order, exactly as one key at a time would be.
 */
function logitRow(
  q: Float32Array | Float64Array,
  qi: number,
  k: Float32Array | Float64Array,
  d: number,
  n: number,
  scale: number,
  out: Float32Array,
  row: number,
): void {
  const f32 = Math.fround;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const k0 = j * d, k1 = k0 + d, k2 = k1 + d, k3 = k2 + d;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let h = 0; h < d; h++) {
      const x = q[qi + h];
      s0 = f32(s0 + f32(x * k[k0 + h]));
      s1 = f32(s1 + f32(x * k[k1 + h]));
      s2 = f32(s2 + f32(x * k[k2 + h]));
      s3 = f32(s3 + f32(x * k[k3 + h]));
    }
    out[row + j] = s0 * scale;
    out[row + j + 1] = s1 * scale;
    out[row + j + 2] = s2 * scale;
    out[row + j + 3] = s3 * scale;
  }
  for (; j < n; j++) {
    const kj = j * d;
    let s = 0;
    for (let h = 0; h < d; h++) s = f32(s + f32(q[qi + h] * k[kj + h]));
    out[row + j] = s * scale;
  }
}

/**
 * Throws a RangeError naming the array, its length and the expected length when they differ.
 *
 * @example
 * ```ts
 * checkLength("v", 12, 12, "seq_len 4 × d 3"); // ok
 * checkLength("v", 11, 12, "seq_len 4 × d 3"); // RangeError: v has length 11, expected 12 (seq_len 4 × d 3)
 * ```
 */
export function checkLength(name: string, found: number, expected: number, why: string): void {
  if (found !== expected) {
    throw new RangeError(`${name} has length ${found}, expected ${expected} (${why})`);
  }
}
