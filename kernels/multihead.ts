/**
 * `multihead`: multi-head scaled dot-product attention with grouped-query attention (GQA).
 * `heads` query heads of `head_dim` values share `kv_heads` key/value heads: query head `h` reads
 * KV head `floor(h / (heads / kv_heads))`, so `kv_heads = heads` is classic multi-head attention
 * and `kv_heads = 1` multi-query attention. Each token row is head-major: Q and the output are
 * `seq_len × (heads · head_dim)`, K and V `seq_len × (kv_heads · head_dim)`. Each head is an exact
 * softmax as in `softmax`, scaled by 1/√head_dim; `causal: true` masks keys after the query.
 * `backend: "wasm"` runs every head in WebAssembly SIMD (f32, four query rows at a time, see
 * `wasm/attention.ts`), equal to the default `"js"` backend within 1e-5. `backend: "webgpu"` runs
 * every head as a WebGPU compute shader, f32, with the online softmax of `flash` (workgroups of up
 * to 64 query rows of one head, keys in tiles of up to 64 through workgroup memory, no seq_len²
 * weights; see `webgpu/tiled_shader.ts` and docs/webgpu.md). Its `run()` returns a promise, and
 * the case is skipped where there is no WebGPU adapter.
 *
 * @example
 * ```ts
 * import multihead from "./multihead.ts";
 * const p = { seq_len: 2, heads: 2, head_dim: 1, kv_heads: 1, causal: false };
 * const q = new Float32Array([1, -1, 0, 2]); // token-major: [t0h0, t0h1, t1h0, t1h1]
 * const k = new Float32Array([1, 0]), v = new Float32Array([3, 5]);
 * const kernel = multihead.prepare(p, { q, k, v, seq_len: 2, q_width: 2, kv_width: 1 });
 * kernel.run();
 * kernel.output; // Float32Array(4)
 * ```
 * @module
 */
import * as v from "valibot";
import { defineKernel, type KernelDefinition } from "../plugin_kit.ts";
import { dim } from "./params.ts";
import { RowAttention } from "./row_softmax.ts";
import { attendedPairs } from "./softmax.ts";
import { backendParam, denseScratchBytes, prepareDense } from "./wasm/attention.ts";
import {
  prepareWebGpuTiled,
  tiledProblem,
  webgpuAvailability,
  webgpuScratchBytes,
} from "./webgpu/attention.ts";
import { readyWebGpu } from "./webgpu/device.ts";

const F32_BYTES = 4;

const params = v.pipe(
  v.object({
    seq_len: dim("seq_len"),
    heads: v.optional(dim("heads"), 4),
    head_dim: v.optional(dim("head_dim"), 64),
    kv_heads: v.optional(dim("kv_heads")),
    causal: v.optional(v.boolean("causal must be true or false"), false),
    backend: backendParam,
  }),
  v.transform((p) => ({ ...p, kv_heads: p.kv_heads ?? p.heads })),
  v.check((p) => groupProblem(p) === undefined, (issue) => groupProblem(issue.input) ?? ""),
);

/** Parameters of the multihead kernel (`kv_heads` defaults to `heads`). */
export type MultiheadParams = v.InferOutput<typeof params>;

/** Multi-head attention with grouped-query attention. */
const multihead: KernelDefinition<MultiheadParams> = defineKernel({
  name: "multihead",
  version: "1.0.0",
  description:
    "multi-head attention with grouped-query KV heads (kv_heads divides heads), optional causal mask",
  params,
  shape: (p) => ({ seq_len: p.seq_len, q_width: p.heads * p.head_dim, kv_width: p.kv_heads * p.head_dim }),
  flops: (p) => 4 * p.heads * p.head_dim * attendedPairs(p),
  memory: (p) => ({
    kv_cache_bytes: 2 * p.seq_len * p.kv_heads * p.head_dim * F32_BYTES,
    activation_bytes: 2 * p.seq_len * p.heads * p.head_dim * F32_BYTES,
    temp_buffer_bytes: p.backend === "wasm"
      ? denseScratchBytes(p.seq_len, p.head_dim)
      : p.backend === "webgpu"
      ? webgpuScratchBytes(p.seq_len, p.heads * p.head_dim, false)
      : RowAttention.scratchBytes(p.seq_len, p.head_dim),
  }),
  available: (p) =>
    p.backend === "webgpu"
      ? webgpuAvailability("multihead", (limits) => tiledProblem("multihead", p, limits))
      : true,
  prepare(p, inputs) {
    const problem = groupProblem(p);
    if (problem !== undefined) throw new RangeError(`multihead: ${problem}`);
    if (p.backend === "webgpu") return prepareWebGpuTiled("multihead", p, inputs, readyWebGpu("multihead"));
    if (p.backend === "wasm") return prepareDense(p, inputs);
    const { seq_len: n, heads, head_dim: hd, causal } = p;
    const qWidth = heads * hd;
    const group = heads / p.kv_heads;
    const output = new Float32Array(n * qWidth);
    const rows = new RowAttention(inputs, output, hd, n);
    return {
      output,
      run() {
        for (let h = 0; h < heads; h++) {
          const kvOff = Math.floor(h / group) * hd;
          for (let i = 0; i < n; i++) rows.attend((i * qWidth + h * hd) | 0, kvOff, causal ? i + 1 : n, 0, 0);
        }
      },
    };
  },
});

export default multihead;

function groupProblem(p: { heads: number; kv_heads: number }): string | undefined {
  const ok = Number.isInteger(p.kv_heads) && p.kv_heads >= 1 && p.heads % p.kv_heads === 0;
  return ok ? undefined : `kv_heads must be a positive divisor of heads ${p.heads}, received ${p.kv_heads}`;
}
