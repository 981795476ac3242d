/**
 * Reference outputs from ruvector.md shared by several test files.
 *
 * @example
 * ```ts
 * import { MAKE_QKV_4_3_SOFTMAX } from "./reference_vectors.ts";
 * MAKE_QKV_4_3_SOFTMAX.length; // 12
 * ```
 * @module
 */

/** attn_softmax on make_qkv(seq 4, d 3), as the f32 shortest digits the reference printed (§1.4). */
export const MAKE_QKV_4_3_SOFTMAX: readonly number[] = [
  3.7646565,
  4.7646565,
  5.7646565,
  4.2548857,
  5.254885,
  6.254885,
  4.7451143,
  5.7451143,
  6.745114,
  4.5,
  5.5,
  6.5,
];
