/**
 * `softmax`: dense scaled dot-product attention, `softmax(Q·Kᵀ · s) · V` with s = 1/√d in f32
 * (reference ruvector.md §1.4). Like the reference `attn_softmax`, the JS path materialises the
 * whole seq_len × seq_len weight matrix (f32), so its memory grows with seq_len² — the cost that
 * `flash` avoids; it fills and reads the matrix four query rows at a time, in blocks of 64 rows.
 * Dot products and the weighted sum accumulate in f64, which keeps results within 1e-6 relative of
 * the reference's f32 arithmetic. `causal: true` masks keys after the query.
 * `backend: "wasm"` runs the same exact softmax in WebAssembly SIMD (f32, four query rows at a time,
 * see `wasm/attention.ts`), equal to the default `"js"` backend within 1e-5. `backend: "webgpu"`
 * runs it as a WebGPU compute shader, f32, the weights materialised in a device buffer (one
 * workgroup per query row, see `webgpu/dense_shader.ts` and docs/webgpu.md); its `run()` returns a
 * promise, and the case is skipped where there is no WebGPU adapter.
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
import {
  type AttentionInputs,
  defineKernel,
  type KernelDefinition,
  type KernelInstance,
} from "../plugin_kit.ts";
import { attentionScale, dim } from "./params.ts";
import {
  accumulateValuesQuad,
  expWeights,
  loadScaledRow,
  scoreKeysQuad,
  storeRow,
  TileCopy,
} from "./row_softmax.ts";
import { backendParam, denseScratchBytes, prepareDense } from "./wasm/attention.ts";
import {
  prepareWebGpuSoftmax,
  softmaxProblem,
  webgpuAvailability,
  webgpuScratchBytes,
} from "./webgpu/attention.ts";
import { readyWebGpu } from "./webgpu/device.ts";

const params = v.object({
  seq_len: dim("seq_len"),
  d: dim("d"),
  causal: v.optional(v.boolean("true or false for causal"), false),
  backend: backendParam,
});

/** Parameters of the softmax kernel. */
export type SoftmaxParams = v.InferOutput<typeof params>;

const BYTES = 4;
const F64_BYTES = 8;
/** Query rows a block: each chunk of K and of V rows is copied to f64 once a block. */
const BLOCK = 64;
/** Query rows that go through the keys together. */
const QUAD = 4;
/** Keys a chunk; as many as {@link BLOCK}, so a causal block's first chunk is one every row sees. */
const CHUNK = BLOCK;

/** Dense scaled dot-product attention. */
const softmax: KernelDefinition<SoftmaxParams> = defineKernel({
  name: "softmax",
  version: "1.2.0",
  description: "dense scaled dot-product attention (reference attn_softmax), optional causal mask",
  params,
  shape: (p) => ({ seq_len: p.seq_len, q_width: p.d, kv_width: p.d }),
  flops: (p) => 4 * p.d * attendedPairs(p),
  memory: (p) => ({
    kv_cache_bytes: 2 * p.seq_len * p.d * BYTES,
    activation_bytes: 2 * p.seq_len * p.d * BYTES,
    temp_buffer_bytes: p.backend === "wasm"
      ? denseScratchBytes(p.seq_len, p.d)
      : p.backend === "webgpu"
      ? webgpuScratchBytes(p.seq_len, p.d, true)
      : p.seq_len * p.seq_len * BYTES +
        Object.values(scratchLengths(p)).reduce((sum, n) => sum + n, 0) * F64_BYTES,
  }),
  available: (p) =>
    p.backend === "webgpu" ? webgpuAvailability("softmax", (limits) => softmaxProblem(p, limits)) : true,
  prepare(p, inputs) {
    if (p.backend === "webgpu") return prepareWebGpuSoftmax(p, inputs, readyWebGpu("softmax"));
    if (p.backend === "wasm") {
      return prepareDense(
        { seq_len: p.seq_len, heads: 1, kv_heads: 1, head_dim: p.d, causal: p.causal },
        inputs,
      );
    }
    return new DenseInstance(p, inputs);
  },
});

export default softmax;

/** Element counts of the JS path's f64 scratch; `memory()` and `prepare()` both size from here. */
function scratchLengths(
  p: SoftmaxParams,
): Record<"query" | "keys" | "values" | "scores" | "acc" | "rowMax" | "rowSum", number> {
  const rows = blockRows(p.seq_len), chunk = Math.min(CHUNK, p.seq_len);
  return {
    query: rows * p.d,
    keys: chunk * p.d,
    values: chunk * p.d,
    scores: QUAD * chunk,
    acc: rows * p.d,
    rowMax: rows,
    rowSum: rows,
  };
}

/** Query rows a block holds: {@link BLOCK}, or the sequence length rounded up to whole quads. */
function blockRows(n: number): number {
  return Math.min(BLOCK, Math.ceil(n / QUAD) * QUAD);
}

/**
 * The JS path, in blocks of 64 query rows taken four at a time, against chunks of 64 keys copied to
 * f64 once a block. Each quad's scores against a chunk (every key load serving four rows) are
 * written to the weight matrix as f32 logits; each row's logits then become `exp(logit − row max)`;
 * then, chunk by chunk, each quad's weights are read back into f64 and take in the chunk's V rows
 * together, four keys at a time.
 */
class DenseInstance implements KernelInstance {
  readonly output: Float32Array;
  readonly #q: Float32Array;
  readonly #n: number;
  readonly #d: number;
  readonly #chunk: number;
  readonly #causal: boolean;
  readonly #scale: number;
  /** The seq_len × seq_len weights, row-major: logits, then `exp(logit − row max)`. */
  readonly #weights: Float32Array;
  /** Scaled queries of the current block, in whole quads: `rows × d`. */
  readonly #query: Float64Array;
  /** The current chunk's K and V rows in f64, `chunk × d` each. */
  readonly #keys: TileCopy;
  readonly #values: TileCopy;
  /** Scores, later weights, of one quad against the current chunk, `4 × chunk`. */
  readonly #scores: Float64Array;
  /** Unnormalised outputs of the current block, `rows × d`. */
  readonly #acc: Float64Array;
  readonly #rowMax: Float64Array;
  readonly #rowSum: Float64Array;

  constructor(p: SoftmaxParams, inputs: AttentionInputs) {
    const lengths = scratchLengths(p);
    this.output = new Float32Array(p.seq_len * p.d);
    this.#q = inputs.q;
    this.#n = p.seq_len;
    this.#d = p.d;
    this.#chunk = Math.min(CHUNK, p.seq_len);
    this.#causal = p.causal;
    this.#scale = attentionScale(p.d);
    this.#weights = new Float32Array(p.seq_len * p.seq_len);
    this.#query = new Float64Array(lengths.query);
    this.#keys = new TileCopy(inputs.k, p.seq_len, p.d, this.#chunk);
    this.#values = new TileCopy(inputs.v, p.seq_len, p.d, this.#chunk);
    this.#scores = new Float64Array(lengths.scores);
    this.#acc = new Float64Array(lengths.acc);
    this.#rowMax = new Float64Array(lengths.rowMax);
    this.#rowSum = new Float64Array(lengths.rowSum);
  }

  /** Bound, so the runner may call it detached from the instance. */
  readonly run = (): void => {
    const n = this.#n;
    for (let i0 = 0; i0 < n; i0 += BLOCK) this.#block(i0, Math.min(BLOCK, n - i0));
  };

  /**
   * Query rows `[i0, i0 + rows)`: logits, weights, outputs. A last quad short of four rows is
   * computed with whatever the spare scratch rows hold, and their results are dropped.
   */
  #block(i0: number, rows: number): void {
    const n = this.#n, d = this.#d, chunk = this.#chunk, causal = this.#causal;
    const query = this.#query, scores = this.#scores;
    for (let r = 0; r < rows; r++) loadScaledRow(this.#q, (i0 + r) * d, d, this.#scale, query, r * d);
    this.#rowMax.fill(-Infinity);
    const keyEnd = causal ? i0 + rows : n;
    for (let c0 = 0; c0 < keyEnd; c0 += chunk) {
      this.#keys.load(c0 / chunk);
      const c1 = Math.min(c0 + chunk, keyEnd), count = c1 - c0;
      for (let r = 0; r < rows; r += QUAD) {
        scoreKeysQuad(query, r * d, this.#keys.data, d, count, scores, 0);
        for (let t = 0; t < QUAD && r + t < rows; t++) {
          const row = i0 + r + t;
          this.#storeLogits(r + t, row, c0, causal ? Math.min(c1, row + 1) : c1, t * count);
        }
      }
    }
    for (let r = 0; r < rows; r++) {
      const at = (i0 + r) * n;
      expWeights(this.#weights, at, at + (causal ? i0 + r + 1 : n), this.#rowMax[r], this.#rowSum, r);
    }
    this.#acc.fill(0);
    for (let c0 = 0; c0 < keyEnd; c0 += chunk) {
      this.#values.load(c0 / chunk);
      const c1 = Math.min(c0 + chunk, keyEnd);
      for (let r = 0; r < rows; r += QUAD) this.#takeValues(i0, r, Math.min(QUAD, rows - r), c0, c1);
    }
    for (let r = 0; r < rows; r++) {
      storeRow(this.#acc, r * d, d, 1 / this.#rowSum[r], this.output, (i0 + r) * d);
    }
  }

  /**
   * Writes the scores of keys `[from, to)`, held in `#scores` from `at` on, as logits into weight
   * row `row`, raising `#rowMax[slot]` to the largest.
   */
  #storeLogits(slot: number, row: number, from: number, to: number, at: number): void {
    const scores = this.#scores, weights = this.#weights;
    let max = this.#rowMax[slot];
    let s = at;
    for (let w = (row * this.#n + from) | 0, end = (row * this.#n + to) | 0; w < end; w++) {
      const logit = Math.fround(scores[s]);
      weights[w] = logit;
      if (logit > max) max = logit;
      s = (s + 1) | 0;
    }
    this.#rowMax[slot] = max;
  }

  /**
   * Block rows `r` to `r + rows − 1` (`rows ≤ 4`, query rows from `i0 + r`) take in the loaded
   * chunk of values, keys `[c0, c1)`. Their weights are copied to `#scores` for the keys all of
   * them see (a short quad repeats its last row there); under the causal mask the later rows then
   * take their extra keys one row at a time.
   */
  #takeValues(i0: number, r: number, rows: number, c0: number, c1: number): void {
    const n = this.#n, d = this.#d, weights = this.#weights, scores = this.#scores;
    const values = this.#values.data, acc = this.#acc, i = i0 + r;
    const shared = this.#causal ? Math.min(c1, i + 1) : c1, count = shared - c0;
    for (let t = 0; t < QUAD; t++) {
      const from = (Math.min(i + t, i + rows - 1) * n + c0) | 0;
      for (let j = 0, s = t * count; j < count; j++, s++) scores[s] = weights[(from + j) | 0];
    }
    accumulateValuesQuad(values, d, count, scores, 0, acc, r * d);
    for (let t = 1; t < rows; t++) {
      const row = (i + t) * n, end = Math.min(c1, i + t + 1), off = (r + t) * d;
      for (let j = shared; j < end; j++) {
        const weight = weights[(row + j) | 0], key = (j - c0) * d;
        for (let h = 0; h < d; h++) acc[(off + h) | 0] += weight * values[(key + h) | 0];
      }
    }
  }
}

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
