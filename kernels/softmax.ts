/**
 * `softmax`: dense scaled dot-product attention, `softmax(Q·Kᵀ · s) · V` with s = 1/√d in f32
 * (reference ruvector.md §1.4). Like the reference `attn_softmax`, the JS path materialises the
 * whole seq_len × seq_len weight matrix (f32), so its memory grows with seq_len² — the cost that
 * `flash` avoids. Dot products and the weighted sum accumulate in f64, which keeps results within
 * 1e-6 relative of the reference's f32 arithmetic. `causal: true` masks keys after the query.
 * `backend: "wasm"` runs the same exact softmax in WebAssembly SIMD (f32, four query rows at a time,
 * see `wasm/attention.ts`), equal to the default `"js"` backend within 1e-5.
 *
 * @example
 * ```ts
 * import softmax from "./softmax.ts";
 * const p = { seq_len: 2, d: 2, causal: false };
 * const q = new Float32Array([1, 0, 0, 1]);
 * const k = q, v = new Float32Array([1, 2, 3, 4]);
 * const kernel = softmax.prepare(p, { q, k, v, seq_len: 2, q_width: 2, kv_width: 2 });
 * kernel.run();
 * kernel.output; // Float32Array(4)
 * ```
 * @module
 */
import * as v from "valibot";
import { defineKernel, type KernelDefinition } from "../src/contracts.ts";
import { attentionScale, dim } from "./params.ts";
import { backendParam, denseScratchBytes, prepareDense } from "./wasm/attention.ts";

const params = v.object({
  seq_len: dim("seq_len"),
  d: dim("d"),
  causal: v.optional(v.boolean("true or false for causal"), false),
  backend: backendParam,
});

/** Parameters of the softmax kernel. */
export type SoftmaxParams = v.InferOutput<typeof params>;

const BYTES = 4;

/** Dense scaled dot-product attention. */
const softmax: KernelDefinition<SoftmaxParams> = defineKernel({
  name: "softmax",
  version: "1.1.0",
  description: "dense scaled dot-product attention (reference attn_softmax), optional causal mask",
  params,
  shape: (p) => ({ seq_len: p.seq_len, q_width: p.d, kv_width: p.d }),
  flops: (p) => 4 * p.d * attendedPairs(p),
  memory: (p) => ({
    kv_cache_bytes: 2 * p.seq_len * p.d * BYTES,
    activation_bytes: 2 * p.seq_len * p.d * BYTES,
    temp_buffer_bytes: p.backend === "wasm" ? denseScratchBytes(p.seq_len, p.d) : p.seq_len * p.seq_len * BYTES + p.d * 8,
  }),
  prepare(p, inputs) {
    if (p.backend === "wasm") {
      return prepareDense(
        { seq_len: p.seq_len, heads: 1, kv_heads: 1, head_dim: p.d, causal: p.causal },
        inputs,
      );
    }
    const { seq_len: n, d, causal } = p;
    const { q, k, v: values } = inputs;
    const output = new Float32Array(n * d);
    const weights = new Float32Array(n * n);
    const acc = new Float64Array(d);
    const scale = attentionScale(d);
    return {
      output,
      run() {
        for (let i = 0; i < n; i++) {
          const qi = i * d;
          const row = i * n;
          const keys = causal ? i + 1 : n;
          let max = -Infinity;
          for (let j = 0; j < keys; j++) {
            const kj = j * d;
            let dot = 0;
            for (let h = 0; h < d; h++) dot += q[qi + h] * k[kj + h];
            const logit = dot * scale;
            weights[row + j] = logit;
            if (logit > max) max = logit;
          }
          let sum = 0;
          for (let j = 0; j < keys; j++) {
            const e = Math.exp(weights[row + j] - max);
            weights[row + j] = e;
            sum += e;
          }
          const inv = sum > 0 ? 1 / sum : 1;
          acc.fill(0);
          for (let j = 0; j < keys; j++) {
            const w = weights[row + j] * inv;
            if (w === 0) continue;
            const vj = j * d;
            for (let h = 0; h < d; h++) acc[h] += w * values[vj + h];
          }
          for (let h = 0; h < d; h++) output[qi + h] = acc[h];
        }
      },
    };
  },
});

export default softmax;

/**
 * Number of (query, key) pairs attended: n² dense, n(n+1)/2 causal.
 *
 * @example
 * ```ts
 * attendedPairs({ seq_len: 4, causal: true }); // 10
 * ```
 */
export function attendedPairs(p: { seq_len: number; causal?: boolean }): number {
  return p.causal ? (p.seq_len * (p.seq_len + 1)) / 2 : p.seq_len * p.seq_len;
}
