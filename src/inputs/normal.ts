/**
 * `normal`: i.i.d. Gaussian Q, K, V (mean 0, standard deviation `std`), identical on every runtime.
 * Q is filled first, then K, then V, from one stream seeded with the spec's seed.
 *
 * @example
 * ```ts
 * import { normalGenerator } from "./normal.ts";
 * const inputs = normalGenerator.generate({ seq_len: 4, q_width: 8, kv_width: 8 }, 42, { std: 1 });
 * ```
 * @module
 */
import * as v from "valibot";
import { NormalStream } from "./random.ts";
import { allocateInputs, defineGenerator, type InputGenerator } from "./generator.ts";

const options = v.strictObject({
  std: v.optional(v.pipe(v.number(), v.gtValue(0)), 1),
});

/** Seeded Gaussian inputs. */
export const normalGenerator: InputGenerator<v.InferOutput<typeof options>> = defineGenerator({
  name: "normal",
  description: "i.i.d. normal values (mean 0, std `std`, default 1), engine-independent",
  options,
  generate(shape, seed, { std }) {
    const inputs = allocateInputs(shape);
    const stream = new NormalStream(seed);
    for (const tensor of [inputs.q, inputs.k, inputs.v]) {
      for (let i = 0; i < tensor.length; i++) tensor[i] = std * stream.next();
    }
    return inputs;
  },
});
