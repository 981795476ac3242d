/**
 * The min-cut kernel's dense arithmetic on WebAssembly SIMD, bit-identical to the JS path: the
 * logits (`computeLogits` in ./logits.ts; each lane carries one key's dot product in the
 * reference's order, see `exact_logits` in ../wasm/assembly/mincut.ts), so masks and cut costs
 * stay exactly the reference's, and `weights × V` (`weightsTimesV` in ./masked_attention.ts; each
 * lane carries one output value's sum in key order, see `exact_weights_v`), and between them the
 * masked row softmax (`masked_softmax`, whose exp rounds exactly as `Math.fround(Math.exp(x))`),
 * with the hysteresis before it (`hysteresis`). The gate stays in JS, reading
 * {@link WasmMincut.logits} in place and writing its mask into {@link WasmMincut.rawMask}.
 *
 * @example
 * ```ts
 * import { WasmMincut } from "./wasm_mincut.ts";
 * const wasm = new WasmMincut(512, 64);
 * wasm.load(q, k, v);
 * wasm.computeLogits(); // wasm.logits: Float32Array(512 * 512), a view into wasm memory
 * // ... the gate writes its keep mask from wasm.logits into wasm.rawMask ...
 * const kept = wasm.hysteresis(2); // wasm.stableMask: the mask to apply
 * wasm.maskedSoftmax(); // wasm.logits now holds the weights
 * wasm.weightsTimesV(); // wasm.output: Float32Array(512 * 64)
 * ```
 * @module
 */
import { attentionScale } from "../params.ts";
import { instantiateAttention } from "../wasm/loader.ts";

/** Prepared wasm buffers and calls for one (seq_len, d). */
export class WasmMincut {
  /** n × n logits of the last {@link computeLogits}, then the weights: a view into wasm memory. */
  readonly logits: Float32Array;
  /** n × d output of the last {@link weightsTimesV}: a view into wasm memory. */
  readonly output: Float32Array;
  readonly #computeLogits: () => void;
  /** The gate's raw keep mask, written by the gate itself (n × n, 0/1): a view into wasm memory. */
  readonly rawMask: Uint8Array;
  /** The keep mask the last {@link hysteresis} left, which the softmax applies: a view into wasm memory. */
  readonly stableMask: Uint8Array;
  readonly #maskedSoftmax: () => void;
  readonly #weightsTimesV: () => void;
  readonly #hysteresis: (tau: number, first: number) => number;
  #stepped = false;
  readonly #q: Float32Array;
  readonly #kb: Float32Array;
  readonly #v: Float32Array;
  readonly #n: number;
  readonly #d: number;

  constructor(n: number, d: number) {
    const layout = WasmMincut.#layout(n, d);
    const module = instantiateAttention(layout.bytes);
    const buffer = module.memory.buffer;
    this.#q = new Float32Array(buffer, layout.q, n * d);
    this.#kb = new Float32Array(buffer, layout.kb, Math.ceil(n / 4) * 4 * d);
    this.logits = new Float32Array(buffer, layout.logits, n * n);
    this.#v = new Float32Array(buffer, layout.v, n * d);
    this.output = new Float32Array(buffer, layout.out, n * d);
    this.rawMask = new Uint8Array(buffer, layout.raw, n * n);
    this.stableMask = new Uint8Array(buffer, layout.stable, n * n);
    this.#n = n;
    this.#d = d;
    const scale = attentionScale(d);
    const exports = module.exports;
    this.#computeLogits = () => exports.exact_logits(layout.q, layout.kb, layout.logits, n, d, scale);
    this.#maskedSoftmax = () => exports.masked_softmax(layout.logits, layout.stable, layout.keys, n);
    this.#hysteresis = (tau, first) =>
      exports.hysteresis(layout.raw, layout.stable, layout.counts, layout.busy, n * n, tau, first);
    this.#weightsTimesV = () =>
      exports.exact_weights_v(layout.logits, layout.v, layout.out, layout.keys, n, d);
  }

  /**
   * Bytes of wasm memory an instance for (n, d) holds: Q, K in blocks of four keys, the logits,
   * V, the output, one row's key indices, the raw and the stable keep masks, the hysteresis'
   * u32 counts and its busy flag per 16 entries.
   *
   * @example
   * ```ts
   * WasmMincut.bytes(4, 2); // 32 + 32 + 64 + 32 + 32 + 16 + 16 + 16 + 64 + 1
   * ```
   */
  static bytes(n: number, d: number): number {
    return WasmMincut.#layout(n, d).bytes;
  }

  static #layout(n: number, d: number) {
    const q = 0;
    const kb = q + n * d * 4;
    const logits = kb + Math.ceil(n / 4) * 16 * d;
    const v = logits + n * n * 4;
    const out = v + n * d * 4;
    const keys = out + n * d * 4;
    const raw = keys + n * 4;
    const stable = raw + n * n;
    const counts = stable + n * n;
    const busy = counts + n * n * 4;
    return { q, kb, logits, v, out, keys, raw, stable, counts, busy, bytes: busy + Math.ceil((n * n) / 16) };
  }

  /** Copies Q and V as they are and K into blocks of four keys (the last block zero-padded). */
  load(q: Float32Array, k: Float32Array, v: Float32Array): void {
    const n = this.#n, d = this.#d;
    this.#q.set(q);
    this.#v.set(v);
    this.#kb.fill(0);
    for (let j = 0; j < n; j++) {
      const base = (j >> 2) * 4 * d + (j & 3);
      for (let h = 0; h < d; h++) this.#kb[base + h * 4] = k[j * d + h];
    }
  }

  /** Computes the logits of the loaded Q and K into {@link logits}. */
  computeLogits(): void {
    this.#computeLogits();
  }

  /**
   * One step of the hysteresis with threshold `tau` from {@link rawMask} into {@link stableMask},
   * exactly as `HysteresisTracker.apply` (./hysteresis.ts), the first call passing the raw mask
   * through; returns the stable mask's count of ones.
   */
  hysteresis(tau: number): number {
    const kept = this.#hysteresis(tau, this.#stepped ? 0 : 1);
    this.#stepped = true;
    return kept;
  }

  /**
   * Turns the logits into weights in place: the masked row softmax of `maskedSoftmaxRows` in
   * ./masked_attention.ts, bit for bit, over {@link stableMask}.
   */
  maskedSoftmax(): void {
    this.#maskedSoftmax();
  }

  /** Computes {@link output} = the weights now in {@link logits} × the loaded V. */
  weightsTimesV(): void {
    this.#weightsTimesV();
  }
}
