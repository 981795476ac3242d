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
 * when not given) and returns it. Row i is the query token, column j the key token.
 *
 * @example
 * ```ts
 * const q = new Float32Array([1, 0, 0, 1]);
 * computeLogits(q, q, 2, 2); // Float32Array [0.70710677, 0, 0, 0.70710677]
 * ```
 */
export function computeLogits(
  q: Float32Array,
  k: Float32Array,
  d: number,
  seqLen: number,
  out: Float32Array = new Float32Array(seqLen * seqLen),
): Float32Array {
  checkLength("q", q.length, seqLen * d, `seq_len ${seqLen} × d ${d}`);
  checkLength("k", k.length, seqLen * d, `seq_len ${seqLen} × d ${d}`);
  checkLength("logits", out.length, seqLen * seqLen, `seq_len ${seqLen}²`);
  const scale = attentionScale(d);
  for (let i = 0; i < seqLen; i++) {
    const qi = i * d;
    const row = i * seqLen;
    for (let j = 0; j < seqLen; j++) {
      const kj = j * d;
      let dot = 0;
      for (let h = 0; h < d; h++) dot = Math.fround(dot + Math.fround(q[qi + h] * k[kj + h]));
      out[row + j] = dot * scale;
    }
  }
  return out;
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
