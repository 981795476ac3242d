import { describe, expect, test } from "bun:test";
import { builtinKernels, inputGenerators } from "../mod.ts";
import { computeLogits } from "../kernels/mincut/logits.ts";
import { WasmLogits } from "../kernels/mincut/wasm_logits.ts";

const mincut = builtinKernels.mincut;

describe("mincut with backend: wasm", () => {
  test("the wasm logits are bit-identical to the reference-order f32 logits", () => {
    for (const [n, d] of [[1, 1], [3, 5], [17, 64], [64, 7]]) {
      const x = inputGenerators.normal.generate({ seq_len: n, q_width: d, kv_width: d }, n * 31 + d, {
        std: 1,
      });
      const wasm = new WasmLogits(n, d);
      wasm.load(x.q, x.k);
      wasm.compute();
      const js = computeLogits(x.q, x.k, d, n);
      expect(Array.from(wasm.values)).toEqual(Array.from(js));
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

  test("memory() counts the wasm memory instead of the js logits", () => {
    const p = { seq_len: 64, d: 8, lambda: 0.5, tau: 2, eps: 0.01, variant: "reference" };
    const js = mincut.memory!(p).temp_buffer_bytes;
    const wasm = mincut.memory!({ ...p, backend: "wasm" }).temp_buffer_bytes;
    expect(wasm - js).toBe(WasmLogits.bytes(64, 8) - 64 * 64 * 4);
  });
});
