/**
 * The `backend: "wasm"` path of the `softmax`, `flash` and `multihead` kernels: lays out one
 * WebAssembly instance's memory, copies Q, K and V into it at prepare time, and gives a
 * {@link KernelInstance} whose `run()` is one call into `attention.wasm` (no allocation) and whose
 * `output` is a view over the instance's memory. The maths lives in `assembly/attention.ts`.
 *
 * Layout, in one memory per prepared kernel (so any number of prepared kernels coexist, and each
 * is freed with its kernel): Q, then K, then V, head-major (all of head 0's tokens, then head 1's),
 * each token's `d` values zero-padded to a multiple of 8 floats, each head followed by three zero
 * rows; then the output, token-major as the contract wants; then the scratch. All 16-byte aligned.
 *
 * @example
 * ```ts
 * import { prepareDense } from "./attention.ts";
 * const q = new Float32Array([1, 0, 0, 1]), k = q, v = new Float32Array([1, 2, 3, 4]);
 * const inputs = { q, k, v, seq_len: 2, q_width: 2, kv_width: 2 };
 * const kernel = prepareDense({ seq_len: 2, heads: 1, kv_heads: 1, head_dim: 2, causal: false }, inputs);
 * kernel.run();
 * kernel.output; // Float32Array(4), equal to the js backend's within 1e-5
 * ```
 * @module
 */
import * as v from "valibot";
import type { AttentionInputs, KernelInstance } from "../../plugin_kit.ts";
import { attentionScale } from "../params.ts";
import { type AttentionExports, instantiateAttention } from "./loader.ts";

/**
 * The `backend` parameter of `softmax`, `flash` and `multihead`: `"js"` (the default when left
 * out), `"wasm"` or `"webgpu"` (../webgpu/attention.ts). It has no default value in the schema,
 * so leaving it out keeps a case's parameters, and its config hash, as they were before the
 * parameter existed.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * const params = v.object({ seq_len: v.number(), backend: backendParam });
 * v.parse(params, { seq_len: 4, backend: "wasm" }).backend; // "wasm"
 * v.parse(params, { seq_len: 4 }).backend; // undefined: the js backend
 * ```
 */
export const backendParam: v.OptionalSchema<
  v.PicklistSchema<["js", "wasm", "webgpu"], string>,
  undefined
> = v.optional(v.picklist(["js", "wasm", "webgpu"], '"js", "wasm" or "webgpu" for backend'));

/**
 * Heads and sizes of a dense attention call (`softmax` is one head).
 *
 * @example
 * ```ts
 * const gqa: DenseShape = { seq_len: 512, heads: 8, kv_heads: 2, head_dim: 64, causal: true };
 * ```
 */
export interface DenseShape {
  seq_len: number;
  heads: number;
  kv_heads: number;
  head_dim: number;
  causal: boolean;
}

/**
 * A single-head flash attention call.
 *
 * @example
 * ```ts
 * const shape: FlashShape = { seq_len: 512, d: 64, tile: 64, causal: false };
 * ```
 */
export interface FlashShape {
  seq_len: number;
  d: number;
  tile: number;
  causal: boolean;
}

const F32_BYTES = 4;
/** Rows of zeros after each head, so four-row query blocks and key pairs may overrun the end. */
const PAD_ROWS = 3;

/**
 * Scratch bytes of the wasm `dense` path: one score vector (four floats) per key, rounded up to
 * an even number of keys, and four accumulator rows.
 *
 * @example
 * ```ts
 * denseScratchBytes(512, 64); // 512·16 + 4·256 = 9216
 * ```
 */
export function denseScratchBytes(seqLen: number, headDim: number): number {
  return scoreBytes(seqLen) + 4 * rowBytes(headDim);
}

/**
 * Scratch bytes of the wasm `flash` path for blocks of `b = min(tile, seq_len)` rows: scores for
 * `b` keys, and an accumulator row, a running maximum and a running sum for `b` rows (rounded up
 * to four rows).
 *
 * @example
 * ```ts
 * flashScratchBytes(512, 64, 64); // 64·16 + 64·256 + 2·64·4 = 17920
 * ```
 */
export function flashScratchBytes(seqLen: number, d: number, tile: number): number {
  const block = Math.min(tile, seqLen);
  const rows = blockRows(block);
  return scoreBytes(block) + rows * rowBytes(d) + 2 * rows * F32_BYTES;
}

/**
 * Exact softmax attention on `attention.wasm` for `heads` query heads over `kv_heads` KV heads
 * (grouped-query attention when fewer), inputs token-major as the contract gives them.
 *
 * @example
 * ```ts
 * // Two tokens, two query heads of d = 1 sharing one KV head.
 * const q = new Float32Array([1, -1, 0, 2]), k = new Float32Array([1, 0]), v = new Float32Array([3, 5]);
 * const inputs = { q, k, v, seq_len: 2, q_width: 2, kv_width: 1 };
 * const kernel = prepareDense({ seq_len: 2, heads: 2, kv_heads: 1, head_dim: 1, causal: true }, inputs);
 * kernel.run();
 * kernel.output; // Float32Array [3, 3, 4, 3.2384...]
 * ```
 */
export function prepareDense(shape: DenseShape, inputs: AttentionInputs): KernelInstance {
  const { seq_len: n, heads, kv_heads: kvHeads, head_dim: d } = shape;
  const row = rowBytes(d), head = (n + PAD_ROWS) * row;
  const arena = new Arena();
  const q = arena.take(heads * head), k = arena.take(kvHeads * head), v = arena.take(kvHeads * head);
  const out = arena.take(n * heads * d * F32_BYTES);
  const scores = arena.take(scoreBytes(n)), acc = arena.take(4 * row);
  const { exports, floats } = arena.instantiate();
  copyHeads(inputs.q, inputs.q_width, heads, d, n, floats, q, head, row);
  copyHeads(inputs.k, inputs.kv_width, kvHeads, d, n, floats, k, head, row);
  copyHeads(inputs.v, inputs.kv_width, kvHeads, d, n, floats, v, head, row);
  const output = floats.subarray(out / F32_BYTES, out / F32_BYTES + n * heads * d);
  const group = heads / kvHeads, causal = shape.causal ? 1 : 0, scale = attentionScale(d);
  return {
    output,
    run: () => exports.dense(q, k, v, out, scores, acc, n, d, row, head, heads, group, causal, scale),
  };
}

/**
 * Tiled attention with online softmax on `attention.wasm`, one head: blocks of `tile` queries
 * against tiles of `tile` keys, as the js `flash` kernel does.
 *
 * @example
 * ```ts
 * const q = new Float32Array([1, 0, 0, 1]), k = q, v = new Float32Array([1, 2, 3, 4]);
 * const inputs = { q, k, v, seq_len: 2, q_width: 2, kv_width: 2 };
 * const kernel = prepareFlash({ seq_len: 2, d: 2, tile: 1, causal: false }, inputs);
 * kernel.run();
 * kernel.output; // Float32Array(4), as the js flash kernel gives
 * ```
 */
export function prepareFlash(shape: FlashShape, inputs: AttentionInputs): KernelInstance {
  const { seq_len: n, d, tile } = shape;
  const row = rowBytes(d), head = (n + PAD_ROWS) * row;
  const block = Math.min(tile, n), rows = blockRows(block);
  const arena = new Arena();
  const q = arena.take(head), k = arena.take(head), v = arena.take(head);
  const out = arena.take(n * d * F32_BYTES);
  const scores = arena.take(scoreBytes(block)), acc = arena.take(rows * row);
  const rowMax = arena.take(rows * F32_BYTES), rowSum = arena.take(rows * F32_BYTES);
  const { exports, floats } = arena.instantiate();
  for (const [source, at] of [[inputs.q, q], [inputs.k, k], [inputs.v, v]] as const) {
    copyHeads(source, d, 1, d, n, floats, at, head, row);
  }
  const output = floats.subarray(out / F32_BYTES, out / F32_BYTES + n * d);
  const causal = shape.causal ? 1 : 0, scale = attentionScale(d);
  return {
    output,
    run: () => exports.flash(q, k, v, out, scores, acc, rowMax, rowSum, n, d, row, tile, causal, scale),
  };
}

/** Bytes of one padded token row: `d` floats rounded up to a multiple of 8. */
function rowBytes(d: number): number {
  return Math.ceil(d / 8) * 8 * F32_BYTES;
}

/** Bytes of the score vectors for `keys` keys, rounded up to an even number of keys. */
function scoreBytes(keys: number): number {
  return (keys + (keys % 2)) * 4 * F32_BYTES;
}

/** `rows` rounded up to a multiple of four (the wasm code works on four rows at a time). */
function blockRows(rows: number): number {
  return Math.ceil(rows / 4) * 4;
}

/**
 * Copies the `heads` heads of a token-major tensor (`width` floats a token, head `h` at `h · d`)
 * into `floats` head-major from byte `at`: head `h` at `at + h · headStride`, its token `i`
 * `i · rowStride` bytes further on. Padding stays zero, as the fresh memory is.
 */
function copyHeads(
  source: Float32Array,
  width: number,
  heads: number,
  d: number,
  n: number,
  floats: Float32Array,
  at: number,
  headStride: number,
  rowStride: number,
): void {
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) {
      const from = i * width + h * d;
      floats.set(source.subarray(from, from + d), (at + h * headStride + i * rowStride) / F32_BYTES);
    }
  }
}

/** Hands out 16-byte aligned regions, then makes an instance whose memory holds them all. */
class Arena {
  #end = 0;

  /** The byte offset of a new region of `bytes` bytes. */
  take(bytes: number): number {
    const at = this.#end;
    this.#end += Math.ceil(bytes / 16) * 16;
    return at;
  }

  /** A fresh instance big enough for every region taken, and a float view of its memory. */
  instantiate(): { exports: AttentionExports; floats: Float32Array } {
    const { exports, memory } = instantiateAttention(this.#end);
    return { exports, floats: new Float32Array(memory.buffer) };
  }
}
