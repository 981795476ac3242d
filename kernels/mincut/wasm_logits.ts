/**
 * The min-cut logits on WebAssembly SIMD, bit-identical to `computeLogits` (./logits.ts): each lane
 * carries one key's dot product in the reference's order (see `exact_logits` in
 * ../wasm/assembly/attention.ts), so masks and cut costs stay exactly the reference's.
 *
 * @example
 * ```ts
 * import { WasmLogits } from "./wasm_logits.ts";
 * const logits = new WasmLogits(512, 64);
 * logits.load(q, k);
 * logits.compute(); // logits.values: Float32Array(512 * 512), a view into wasm memory
 * ```
 * @module
 */
import { attentionScale } from "../params.ts";
import { instantiateAttention } from "../wasm/loader.ts";

/** Prepared wasm logits for one (seq_len, d). */
export class WasmLogits {
  /** n × n logits of the last {@link compute}: a view into the instance's wasm memory. */
  readonly values: Float32Array;
  readonly #compute: () => void;
  readonly #q: Float32Array;
  readonly #kb: Float32Array;
  readonly #n: number;
  readonly #d: number;

  constructor(n: number, d: number) {
    const blocks = Math.ceil(n / 4);
    const qBytes = n * d * 4;
    const kbBytes = blocks * 4 * d * 4;
    const module = instantiateAttention(qBytes + kbBytes + n * n * 4);
    const buffer = module.memory.buffer;
    this.#q = new Float32Array(buffer, 0, n * d);
    this.#kb = new Float32Array(buffer, qBytes, blocks * 4 * d);
    this.values = new Float32Array(buffer, qBytes + kbBytes, n * n);
    this.#n = n;
    this.#d = d;
    const scale = attentionScale(d);
    const exports = module.exports;
    this.#compute = () => exports.exact_logits(0, qBytes, qBytes + kbBytes, n, d, scale);
  }

  /**
   * Bytes of wasm memory an instance for (n, d) holds.
   *
   * @example
   * ```ts
   * WasmLogits.bytes(4, 2); // 32 + 32 + 64
   * ```
   */
  static bytes(n: number, d: number): number {
    return n * d * 4 + Math.ceil(n / 4) * 16 * d + n * n * 4;
  }

  /** Copies Q as it is and K into blocks of four keys (the last block zero-padded). */
  load(q: Float32Array, k: Float32Array): void {
    const n = this.#n, d = this.#d;
    this.#q.set(q);
    this.#kb.fill(0);
    for (let j = 0; j < n; j++) {
      const base = (j >> 2) * 4 * d + (j & 3);
      for (let h = 0; h < d; h++) this.#kb[base + h * 4] = k[j * d + h];
    }
  }

  /** Computes the logits of the loaded Q and K into {@link values}. */
  compute(): void {
    this.#compute();
  }
}
