/**
 * A trivial kernel for measuring attnbench's own overhead: sums `size` floats of V.
 *
 * @example
 * ```yaml
 * kernel: ./trivial_kernel.ts
 * params: { size: 256 }
 * ```
 * @module
 */
import * as v from "valibot";
import { defineKernel, type KernelDefinition } from "../mod.ts";

const params = v.object({ size: v.pipe(v.number(), v.integer(), v.minValue(1)) });

/** Sum of `size` values: cheap, allocation-free, not optimisable away (the sum is stored). */
const trivial: KernelDefinition<v.InferOutput<typeof params>> = defineKernel({
  name: "trivial-sum",
  version: "1.0.0",
  params,
  shape: (p) => ({ seq_len: p.size, q_width: 1, kv_width: 1 }),
  flops: (p) => p.size,
  prepare(_p, inputs) {
    const output = new Float32Array(1);
    const values = inputs.v;
    return {
      output,
      run() {
        let sum = 0;
        for (let i = 0; i < values.length; i++) sum += values[i];
        output[0] = sum;
      },
    };
  },
});

export default trivial;
