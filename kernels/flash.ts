/**
 * `flash`: tiled scaled dot-product attention with online softmax (FlashAttention's scheme). For
 * each block of `tile` queries it streams K and V in tiles of `tile` keys, keeping per query row a
 * running max `m`, a running sum `l` and an accumulator that is rescaled by `exp(m_old − m_new)`
 * whenever the max grows; the block is divided by `l` once all tiles are seen. The result equals
 * `softmax` (within 1e-5), but scratch memory is O(tile·d) whatever the sequence length, where
 * `softmax` materialises all seq_len² weights. Arithmetic is f64, as in `softmax`: the JS path copies
 * each K and V tile to f64 and takes the block's rows four at a time through it (see
 * `row_softmax.ts`), the odd rows and a causal tile's extra keys one row at a time.
 * `backend: "wasm"` runs the same blocks and tiles in WebAssembly SIMD (f32, four query rows at a
 * time, see `wasm/attention.ts`), equal to the default `"js"` backend within 1e-5.
 * `backend: "webgpu"` runs a WebGPU compute shader, f32: workgroups of up to 64 query rows (one
 * invocation a row) stream K and V through workgroup memory in tiles of `tile` keys, with the same
 * online softmax (see `webgpu/tiled_shader.ts` and docs/webgpu.md); a `tile` whose K or V tile does
 * not fit the device's workgroup memory is refused with the largest that does. Its `run()`
 * returns a promise, and the case is skipped where there is no WebGPU adapter.
 *
 * @example
 * ```ts
 * import flash from "./flash.ts";
 * const p = { seq_len: 2, d: 2, tile: 1, causal: false };
 * const q = new Float32Array([1, 0, 0, 1]);
 * const k = q, v = new Float32Array([1, 2, 3, 4]);
 * const kernel = flash.prepare(p, { q, k, v, seq_len: 2, q_width: 2, kv_width: 2 });
 * kernel.run();
 * kernel.output; // Float32Array(4), equal to softmax's
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
import { attendedPairs } from "./softmax.ts";
import {
  accumulateValues,
  accumulateValuesQuad,
  expScores,
  loadScaledRow,
  raiseMax,
  scaleRow,
  scoreKeys,
  scoreKeysQuad,
  storeRow,
  TileCopy,
} from "./row_softmax.ts";
import { backendParam, flashScratchBytes, prepareFlash } from "./wasm/attention.ts";
import {
  prepareWebGpuTiled,
  tiledProblem,
  webgpuAvailability,
  webgpuScratchBytes,
} from "./webgpu/attention.ts";
import { readyWebGpu } from "./webgpu/device.ts";

const params = v.object({
  seq_len: dim("seq_len"),
  d: dim("d"),
  tile: v.optional(dim("tile"), 64),
  causal: v.optional(v.boolean("causal must be true or false"), false),
  backend: backendParam,
});

/** Parameters of the flash kernel. */
export type FlashParams = v.InferOutput<typeof params>;

const F32_BYTES = 4;
const F64_BYTES = 8;
/** Query rows of a block that take in each key tile together. */
const QUAD = 4;

/** Tiled attention with online softmax. */
const flash: KernelDefinition<FlashParams> = defineKernel({
  name: "flash",
  version: "1.1.0",
  description:
    "tiled attention with online softmax (FlashAttention), O(tile·d) scratch, optional causal mask",
  params,
  shape: (p) => ({ seq_len: p.seq_len, q_width: p.d, kv_width: p.d }),
  flops: (p) => 4 * p.d * attendedPairs(p),
  memory: (p) => ({
    kv_cache_bytes: 2 * p.seq_len * p.d * F32_BYTES,
    activation_bytes: 2 * p.seq_len * p.d * F32_BYTES,
    temp_buffer_bytes: p.backend === "wasm"
      ? flashScratchBytes(p.seq_len, p.d, p.tile)
      : p.backend === "webgpu"
      ? webgpuScratchBytes(p.seq_len, p.d, false)
      : Object.values(scratchLengths(p)).reduce((sum, n) => sum + n, 0) * F64_BYTES,
  }),
  available: (p) =>
    p.backend === "webgpu"
      ? webgpuAvailability("flash", (limits) => tiledProblem("flash", webgpuShape(p), limits))
      : true,
  prepare(p, inputs) {
    if (!Number.isInteger(p.tile) || p.tile < 1) {
      throw new RangeError(`flash: tile must be a positive integer, received ${p.tile}`);
    }
    if (p.backend === "webgpu") {
      return prepareWebGpuTiled("flash", webgpuShape(p), inputs, readyWebGpu("flash"));
    }
    if (p.backend === "wasm") return prepareFlash(p, inputs);
    return new FlashInstance(p, inputs);
  },
});

export default flash;

/** The WebGPU tiled shader's shape for a flash point: one head, `tile` keys a tile. */
function webgpuShape(p: FlashParams) {
  return { seq_len: p.seq_len, heads: 1, kv_heads: 1, head_dim: p.d, tile: p.tile, causal: p.causal };
}

/** Rows per query block and keys per key tile: `tile`, or the sequence length when shorter. */
function blockSize(p: FlashParams): number {
  return Math.min(p.tile, p.seq_len);
}

/** Element counts of the f64 scratch buffers; `memory()` and `prepare()` both size from here. */
function scratchLengths(
  p: FlashParams,
): Record<"query" | "keys" | "values" | "acc" | "scores" | "rowStats", number> {
  const t = blockSize(p);
  return {
    query: t * p.d,
    keys: t * p.d,
    values: t * p.d,
    acc: t * p.d,
    scores: QUAD * t,
    rowStats: 2 * t,
  };
}

class FlashInstance implements KernelInstance {
  readonly output: Float32Array;
  readonly #q: Float32Array;
  readonly #k: Float32Array;
  readonly #v: Float32Array;
  readonly #n: number;
  readonly #d: number;
  readonly #tile: number;
  readonly #causal: boolean;
  readonly #scale: number;
  /** Scaled queries of the current block, `tile × d`. */
  readonly #query: Float64Array;
  /** The current key tile's K and V rows in f64, `tile × d` each. */
  readonly #keys: TileCopy;
  readonly #values: TileCopy;
  /** Unnormalised outputs of the current block, `tile × d`. */
  readonly #acc: Float64Array;
  /** Scores, then weights, of one to four query rows against one key tile. */
  readonly #scores: Float64Array;
  /** Running `[max, sum]` of each block row (see `expScores`). */
  readonly #rowStats: Float64Array;

  constructor(p: FlashParams, inputs: AttentionInputs) {
    const lengths = scratchLengths(p);
    this.output = new Float32Array(p.seq_len * p.d);
    this.#q = inputs.q;
    this.#k = inputs.k;
    this.#v = inputs.v;
    this.#n = p.seq_len;
    this.#d = p.d;
    this.#tile = blockSize(p);
    this.#causal = p.causal;
    this.#scale = attentionScale(p.d);
    this.#query = new Float64Array(lengths.query);
    this.#keys = new TileCopy(inputs.k, p.seq_len, p.d, this.#tile);
    this.#values = new TileCopy(inputs.v, p.seq_len, p.d, this.#tile);
    this.#acc = new Float64Array(lengths.acc);
    this.#scores = new Float64Array(lengths.scores);
    this.#rowStats = new Float64Array(lengths.rowStats);
  }

  /** Bound, so the runner may call it detached from the instance. */
  readonly run = (): void => {
    const n = this.#n, tile = this.#tile;
    for (let i0 = 0; i0 < n; i0 += tile) this.#block(i0, Math.min(tile, n - i0));
  };

  /** Queries `[i0, i0 + rows)`: load, stream every key tile through, normalise and store. */
  #block(i0: number, rows: number): void {
    const d = this.#d, tile = this.#tile, causal = this.#causal;
    for (let r = 0; r < rows; r++) loadScaledRow(this.#q, (i0 + r) * d, d, this.#scale, this.#query, r * d);
    const stats = this.#rowStats;
    for (let r = 0; r < rows; r++) {
      stats[2 * r] = -Infinity;
      stats[2 * r + 1] = 0;
    }
    this.#acc.fill(0);
    const keyEnd = causal ? i0 + rows : this.#n;
    for (let j0 = 0; j0 < keyEnd; j0 += tile) {
      const j1 = Math.min(j0 + tile, keyEnd);
      this.#keys.load(j0 / tile);
      this.#values.load(j0 / tile);
      let r = 0;
      for (; r + QUAD <= rows; r += QUAD) {
        // Causal: the quad shares the first row's keys; the later rows then take their extra ones.
        const to = causal ? Math.min(j1, i0 + r + 1) : j1;
        if (to > j0) this.#stepQuad(r, j0, to);
        for (let t = 1; causal && t < QUAD; t++) {
          const end = Math.min(j1, i0 + r + t + 1);
          if (end > to) this.#step(r + t, Math.max(j0, to), end);
        }
      }
      for (; r < rows; r++) {
        const to = causal ? Math.min(j1, i0 + r + 1) : j1;
        if (to > j0) this.#step(r, j0, to);
      }
    }
    for (let r = 0; r < rows; r++) {
      storeRow(this.#acc, r * d, d, 1 / stats[2 * r + 1], this.output, (i0 + r) * d);
    }
  }

  /** Block row `r` takes in keys `[j0, to)`. */
  #step(r: number, j0: number, to: number): void {
    const d = this.#d, off = r * d, scores = this.#scores;
    scoreKeys(this.#query, off, this.#k, 0, d, d, j0, to, scores, 0);
    this.#rescale(r, 0, to - j0);
    accumulateValues(this.#v, 0, d, d, j0, to, scores, 0, this.#acc, off);
  }

  /**
   * Block rows `r` to `r + 3` take in the same keys `[j0, to)` of the loaded tile (which starts at
   * `j0`), sharing each K and V load.
   */
  #stepQuad(r: number, j0: number, to: number): void {
    const d = this.#d, off = r * d, scores = this.#scores, count = to - j0;
    scoreKeysQuad(this.#query, off, this.#keys.data, d, count, scores, 0);
    for (let t = 0; t < QUAD; t++) this.#rescale(r + t, t * count, count);
    accumulateValuesQuad(this.#values.data, d, count, scores, 0, this.#acc, off);
  }

  /**
   * The online-softmax update of row `r` for `count` new scores at `scores[at..]`: raises its
   * running max, turns the scores into weights against it, rescales the running sum and the
   * accumulator by `exp(old max − new max)` and adds the weights to the sum.
   */
  #rescale(r: number, at: number, count: number): void {
    const scores = this.#scores, stats = this.#rowStats, slot = 2 * r, oldMax = stats[slot];
    raiseMax(scores, at, at + count, stats, slot);
    const correction = Math.exp(oldMax - stats[slot]);
    stats[slot + 1] *= correction;
    expScores(scores, at, at + count, stats, slot);
    if (correction !== 1) scaleRow(this.#acc, r * this.#d, this.#d, correction);
  }
}
