/**
 * The contract of an input generator: deterministic Q, K, V for a shape and a seed.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { defineGenerator } from "./generator.ts";
 * const zeros = defineGenerator({
 *   name: "zeros", options: v.object({}),
 *   generate: (shape) => ({
 *     ...shape,
 *     q: new Float32Array(shape.seq_len * shape.q_width),
 *     k: new Float32Array(shape.seq_len * shape.kv_width),
 *     v: new Float32Array(shape.seq_len * shape.kv_width),
 *   }),
 * });
 * ```
 * @module
 */
import type * as v from "valibot";
import type { AttentionInputs, InputShape } from "../contracts.ts";

/** An input generator: options schema plus a pure function of (shape, seed, options). */
export interface InputGenerator<O = Record<string, unknown>> {
  name: string;
  description: string;
  // deno-lint-ignore no-explicit-any
  options: v.GenericSchema<any, O>;
  generate(shape: InputShape, seed: number, options: O): AttentionInputs;
}

/**
 * Identity helper that types a generator.
 *
 * @example
 * ```ts
 * export const mine = defineGenerator({ name: "mine", description: "...", options, generate });
 * ```
 */
export function defineGenerator<O>(generator: InputGenerator<O>): InputGenerator<O> {
  return generator;
}

/**
 * Empty Q, K, V buffers of a shape.
 *
 * @example
 * ```ts
 * allocateInputs({ seq_len: 2, q_width: 4, kv_width: 4 }).q.length; // 8
 * ```
 */
export function allocateInputs(shape: InputShape): AttentionInputs {
  return {
    ...shape,
    q: new Float32Array(shape.seq_len * shape.q_width),
    k: new Float32Array(shape.seq_len * shape.kv_width),
    v: new Float32Array(shape.seq_len * shape.kv_width),
  };
}
