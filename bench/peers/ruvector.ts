/**
 * `@ruvector/attention`: the original project's own native (Rust, Node-API) build. Its API takes
 * one query at a time with the keys and values as arrays of rows, so one call of the bench is
 * `n` calls of `DotProductAttention.compute`, scaled by 1/√d inside. The row views are made once
 * in `prepare()`; each call's result is a fresh Float32Array the addon allocates.
 *
 * @example
 * ```ts
 * import { ruvector } from "./ruvector.ts";
 * if ((await ruvector.detect()) === true) {
 *   const instance = await ruvector.prepare(inputs);
 *   instance.run();
 * }
 * ```
 * @module
 */
import type { AttentionInputs } from "../../mod.ts";
import { detectPeer, type InProcess, type Instance, requirePeer } from "./implementation.ts";

/** The part of `@ruvector/attention` the bench calls. */
interface RuvectorModule {
  DotProductAttention: new (dim: number) => {
    compute(query: Float32Array, keys: Float32Array[], values: Float32Array[]): Float32Array;
  };
}

const PACKAGE = "@ruvector/attention";

/** `rows(x, n, d)[i]` is a view of row `i` of the row-major `n × d` matrix `x`. */
function rows(x: Float32Array, n: number, d: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => x.subarray(i * d, (i + 1) * d));
}

/**
 * @ruvector/attention's DotProductAttention, one query per native call.
 *
 * @example
 * ```ts
 * if ((await ruvector.detect()) === true) {
 *   const instance = await ruvector.prepare(inputs);
 *   await instance.run();
 * }
 * ```
 */
export const ruvector: InProcess = {
  label: "ruvector",
  group: "peer-native",
  kind: "in-process",
  detect: () => detectPeer(PACKAGE),
  prepare(inputs: AttentionInputs): Promise<Instance> {
    const { seq_len: n, q_width: d } = inputs;
    const attention = new (requirePeer<RuvectorModule>(PACKAGE).DotProductAttention)(d);
    const queries = rows(inputs.q, n, d);
    const keys = rows(inputs.k, n, d);
    const values = rows(inputs.v, n, d);
    const output = new Float32Array(n * d);
    return Promise.resolve({
      run(): void {
        for (let i = 0; i < n; i++) output.set(attention.compute(queries[i], keys, values), i * d);
      },
      output: () => output,
    });
  },
};
