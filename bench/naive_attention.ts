/**
 * The floor of `bench/kernels.ts`: single-head attention as a textbook triple loop, the way one
 * writes it without thinking about speed. The full `n × n` score matrix `S = Q·Kᵀ · s` (s = 1/√d),
 * a softmax over each row of it, then `O = S·V`, all with plain indexing and JS numbers. The score
 * matrix is allocated once in {@link naive}'s `prepare()`, so the timed call does not allocate.
 *
 * @example
 * ```ts
 * import { naiveAttention } from "./naive_attention.ts";
 * const q = new Float32Array([1, 0, 0, 1]), k = q, v = new Float32Array([1, 2, 3, 4]);
 * const output = new Float32Array(4);
 * naiveAttention(q, k, v, 2, 2, new Float64Array(4), output);
 * ```
 * @module
 */
import type { AttentionInputs } from "../mod.ts";
import type { InProcess, Instance } from "./peers/implementation.ts";

/**
 * `output = softmax(q·kᵀ / √d) · v` for row-major `n × d` inputs, using `scores` (`n²` values)
 * as scratch.
 *
 * @example
 * ```ts
 * naiveAttention(q, k, v, n, d, new Float64Array(n * n), new Float32Array(n * d));
 * ```
 */
export function naiveAttention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  n: number,
  d: number,
  scores: Float64Array,
  output: Float32Array,
): void {
  const scale = 1 / Math.sqrt(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let h = 0; h < d; h++) dot += q[i * d + h] * k[j * d + h];
      scores[i * n + j] = dot * scale;
    }
  }
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) max = Math.max(max, scores[i * n + j]);
    let sum = 0;
    for (let j = 0; j < n; j++) {
      scores[i * n + j] = Math.exp(scores[i * n + j] - max);
      sum += scores[i * n + j];
    }
    for (let j = 0; j < n; j++) scores[i * n + j] /= sum;
  }
  for (let i = 0; i < n; i++) {
    for (let h = 0; h < d; h++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += scores[i * n + j] * v[j * d + h];
      output[i * d + h] = acc;
    }
  }
}

/**
 * The naive triple loop as a bench column.
 *
 * @example
 * ```ts
 * if ((await naive.detect()) === true) {
 *   const instance = await naive.prepare(inputs);
 *   await instance.run();
 * }
 * ```
 */
export const naive: InProcess = {
  label: "naive-ts",
  group: "floor",
  kind: "in-process",
  detect: () => Promise.resolve(true),
  prepare(inputs: AttentionInputs): Promise<Instance> {
    const { seq_len: n, q_width: d, q, k, v } = inputs;
    const scores = new Float64Array(n * n);
    const output = new Float32Array(n * d);
    return Promise.resolve({
      run: () => naiveAttention(q, k, v, n, d, scores, output),
      output: () => output,
    });
  },
};
