import { describe, expect, test } from "bun:test";
import { builtinKernels, inputGenerators } from "../mod.ts";
import { computeLogits } from "../kernels/mincut/logits.ts";
import { maskedSoftmaxRows, weightsTimesV } from "../kernels/mincut/masked_attention.ts";
import { WasmMincut } from "../kernels/mincut/wasm_mincut.ts";

const mincut = builtinKernels.mincut;

describe("mincut with backend: wasm", () => {
  test("the wasm logits are bit-identical to the reference-order f32 logits", () => {
    for (const [n, d] of [[1, 1], [3, 5], [17, 64], [64, 7]]) {
      const x = inputGenerators.normal.generate({ seq_len: n, q_width: d, kv_width: d }, n * 31 + d, {
        std: 1,
      });
      const wasm = new WasmMincut(n, d);
      wasm.load(x.q, x.k, x.v);
      wasm.computeLogits();
      const js = computeLogits(x.q, x.k, d, n);
      expect(Array.from(wasm.logits)).toEqual(Array.from(js));
    }
  });

  test("the wasm weights × V is bit-identical to the reference-order f32 one, skipping zero weights", () => {
    // d covers the 16-wide, 4-wide and one-at-a-time parts; row 1 is fully pruned, and V row 2,
    // attended by nobody, holds Infinity and NaN, which must not leak into any output.
    for (const [n, d] of [[1, 1], [5, 3], [9, 16], [13, 21], [40, 64], [33, 37]]) {
      const x = inputGenerators.normal.generate({ seq_len: n, q_width: d, kv_width: d }, n * 7 + d, {
        std: 1,
      });
      const mask = new Uint8Array(n * n).map((_, i) => ((i * 2654435761) >>> 29) & 1);
      if (n > 1) mask.fill(0, n, 2 * n);
      for (let i = 0; n > 2 && i < n; i++) mask[i * n + 2] = 0;
      if (n > 2) x.v.fill(Infinity, 2 * d, 2 * d + 1).fill(NaN, 2 * d + 1, 3 * d);
      const wasm = new WasmMincut(n, d);
      wasm.load(x.q, x.k, x.v);
      wasm.computeLogits();
      maskedSoftmaxRows(wasm.logits, mask, n);
      const weights = Float32Array.from(wasm.logits);
      wasm.weightsTimesV();
      const js = new Float32Array(n * d);
      weightsTimesV(weights, x.v, n, d, js);
      expect(Array.from(wasm.output)).toEqual(Array.from(js));
      expect(wasm.output.every(Number.isFinite)).toBe(true);
      if (n > 1) expect(Array.from(wasm.output.subarray(d, 2 * d))).toEqual(new Array(d).fill(0));
    }
  });

  test("masks, counts, cut costs and outputs equal the js backend's, across samples with hysteresis", () => {
    for (const variant of ["reference", "best-sink", "eps-only"]) {
      for (const lambda of [0.5, 1000]) {
        const p = { seq_len: 13, d: 6, lambda, tau: 2, eps: 0.01, variant };
        const draws = [1, 2, 3].map((seed) =>
          inputGenerators.normal.generate(mincut.shape(p), seed, { std: 1 })
        );
        const js = mincut.prepare(p, draws[0]);
        const wasm = mincut.prepare({ ...p, backend: "wasm" }, draws[0]);
        for (const draw of draws) {
          js.load!(draw);
          wasm.load!(draw);
          js.run();
          wasm.run();
          expect(wasm.stats!()).toEqual(js.stats!());
          expect(Array.from((wasm as unknown as { keepMask: Uint8Array }).keepMask)).toEqual(
            Array.from((js as unknown as { keepMask: Uint8Array }).keepMask),
          );
          expect(Array.from(wasm.output)).toEqual(Array.from(js.output));
        }
      }
    }
  });

  test("memory() counts the wasm memory instead of the js logits and key indices", () => {
    const p = { seq_len: 64, d: 8, lambda: 0.5, tau: 2, eps: 0.01, variant: "reference" };
    const js = mincut.memory!(p).temp_buffer_bytes;
    const wasm = mincut.memory!({ ...p, backend: "wasm" }).temp_buffer_bytes;
    expect(wasm - js).toBe(WasmMincut.bytes(64, 8) - 64 * 64 * 4 - 64 * 4);
  });
});
