/**
 * Float64Array copies of Q, K and V for the min-cut kernel's JS path on engines that convert
 * every Float32Array element they load. V8 (Deno, Node) widens each f32 it reads to f64 with an
 * instruction of its own; in the exact f32 logits and weights × V, where every multiply and add is
 * also rounded to f32, that conversion is one in five of the work per multiply-add, and reading a
 * copy widened once per `load()` takes 15–20 % off those loops. JavaScriptCore (Bun) keeps f32
 * values in f32 registers and is slower from a Float64Array, so there the kernel reads its inputs
 * as they are. Either way the loops compute on the same f64 values: results are bit-identical.
 *
 * @example
 * ```ts
 * import { WIDEN_INPUTS, WideInputs } from "./wide_inputs.ts";
 * const wide = new WideInputs(512, 64);
 * const { q, k, v } = WIDEN_INPUTS ? wide.load(inputs) : inputs;
 * ```
 * @module
 */
import type { AttentionInputs } from "../../plugin_kit.ts";

/** True where the JS path should read widened copies: every engine but JavaScriptCore (Bun). */
export const WIDEN_INPUTS: boolean = !("Bun" in globalThis);

/** What the JS path reads: the inputs themselves or their widened copies. */
export interface Operands {
  q: Float32Array | Float64Array;
  k: Float32Array | Float64Array;
  v: Float32Array | Float64Array;
}

/**
 * The widened copies of one (seq_len, d); `load` refills them.
 *
 * @example
 * ```ts
 * new WideInputs(2, 1).load({ q, k, v, seq_len: 2, q_width: 1, kv_width: 1 }).q; // Float64Array [q0, q1]
 * ```
 */
export class WideInputs implements Operands {
  readonly q: Float64Array;
  readonly k: Float64Array;
  readonly v: Float64Array;

  constructor(seqLen: number, d: number) {
    this.q = new Float64Array(seqLen * d);
    this.k = new Float64Array(seqLen * d);
    this.v = new Float64Array(seqLen * d);
  }

  /**
   * Bytes a kernel instance holds for its widened copies on this engine (0 on JavaScriptCore).
   *
   * @example
   * ```ts
   * WideInputs.bytes(512, 64); // 786432 on V8
   * ```
   */
  static bytes(seqLen: number, d: number): number {
    return WIDEN_INPUTS ? 3 * seqLen * d * Float64Array.BYTES_PER_ELEMENT : 0;
  }

  /** Copies Q, K and V (each seq_len × d) in; returns this. */
  load(inputs: AttentionInputs): this {
    this.q.set(inputs.q);
    this.k.set(inputs.k);
    this.v.set(inputs.v);
    return this;
  }
}
