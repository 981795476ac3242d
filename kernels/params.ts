/**
 * Parameter schemas shared by the attention kernels, so every kernel reports the same message for
 * the same mistake.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { dim } from "./params.ts";
 * const params = v.object({ seq_len: dim("seq_len"), d: dim("d") });
 * ```
 * @module
 */
import * as v from "valibot";

/**
 * A positive integer size (sequence length, head dimension, ...).
 *
 * @example
 * ```ts
 * v.parse(dim("d"), 64); // 64
 * ```
 */
export function dim(
  name: string,
): v.SchemaWithPipe<
  readonly [v.NumberSchema<string>, v.IntegerAction<number, string>, v.MinValueAction<number, 1, string>]
> {
  const message = `a positive integer for ${name}`;
  return v.pipe(v.number(message), v.integer(message), v.minValue(1, message));
}

/**
 * Scale 1/√d computed in f32 as the reference does: `fround(1 / fround(sqrt(d)))`.
 *
 * @example
 * ```ts
 * attentionScale(4); // 0.5
 * ```
 */
export function attentionScale(d: number): number {
  return Math.fround(1 / Math.fround(Math.sqrt(d)));
}
