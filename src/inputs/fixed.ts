/**
 * Fixed inputs used by the original crates' tests and READMEs: `constant` (q = k = 0.1, v = 1 by
 * default) and `identity` (the tests' make_qkv: q and k are 1 at (i, i), v counts 0, 1, 2, ...).
 *
 * @example
 * ```ts
 * import { identityGenerator } from "./fixed.ts";
 * identityGenerator.generate({ seq_len: 4, q_width: 3, kv_width: 3 }, 0, {}).v; // 0..11
 * ```
 * @module
 */
import * as v from "valibot";
import { allocateInputs, defineGenerator, type InputGenerator } from "./generator.ts";

const constantOptions = v.strictObject({
  q: v.optional(v.number(), 0.1),
  k: v.optional(v.number(), 0.1),
  v: v.optional(v.number(), 1),
});

/** Every element of Q, K and V set to one value each. */
export const constantGenerator: InputGenerator<v.InferOutput<typeof constantOptions>> = defineGenerator({
  name: "constant",
  description: "constant tensors (q = k = 0.1, v = 1 unless given), as in the original README",
  options: constantOptions,
  generate(shape, _seed, values) {
    const inputs = allocateInputs(shape);
    inputs.q.fill(values.q);
    inputs.k.fill(values.k);
    inputs.v.fill(values.v);
    return inputs;
  },
});

/** The original tests' make_qkv. */
export const identityGenerator: InputGenerator<Record<string, never>> = defineGenerator({
  name: "identity",
  description: "the original tests' make_qkv: q = k = identity-like, v = 0, 1, 2, ...",
  options: v.strictObject({}),
  generate(shape) {
    const inputs = allocateInputs(shape);
    for (let i = 0; i < Math.min(shape.seq_len, shape.q_width); i++) inputs.q[i * shape.q_width + i] = 1;
    for (let i = 0; i < Math.min(shape.seq_len, shape.kv_width); i++) inputs.k[i * shape.kv_width + i] = 1;
    for (let i = 0; i < inputs.v.length; i++) inputs.v[i] = i;
    return inputs;
  },
});
