import { describe, expect, test } from "bun:test";
import { builtinKernels, inputGenerators } from "../mod.ts";
import { computeLogits } from "../kernels/mincut/logits.ts";
import { maskedSoftmaxRows, weightsTimesV } from "../kernels/mincut/masked_attention.ts";
import { WasmMincut } from "../kernels/mincut/wasm_mincut.ts";
import { countKept, MinCutGate } from "../kernels/mincut/gate.ts";
import { HysteresisTracker } from "../kernels/mincut/hysteresis.ts";
import { instantiateAttention } from "../kernels/wasm/loader.ts";

/** Deterministic uniform [0, 1) numbers. */
function lcgUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

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

  test("the wasm masked softmax is bit-identical to the JS one, on hostile rows too", () => {
    // Rows: random scores over a random mask; fully pruned; kept NaN, ±∞; scores spread so that
    // exp underflows into f32's subnormals (the host's exp decides there); all entries equal.
    for (const n of [1, 3, 5, 17, 64]) {
      const random = lcgUniform(n);
      const wasm = new WasmMincut(n, 1);
      const scores = Float32Array.from({ length: n * n }, () => Math.fround((random() - 0.5) * 40));
      const mask = Uint8Array.from({ length: n * n }, () => (random() < 0.6 ? 1 : 0));
      if (n > 2) {
        mask.fill(0, n, 2 * n);
        scores[2 * n] = NaN;
        scores[2 * n + 1] = Infinity;
        mask.fill(1, 2 * n, 3 * n);
        for (let j = 0; j < n; j++) scores[j] = Math.fround(-j * 9.5);
        mask.fill(1, 0, n);
      }
      if (n > 4) scores.fill(0.25, 3 * n, 4 * n), scores[4 * n] = -Infinity;
      wasm.logits.set(scores);
      wasm.stableMask.set(mask);
      wasm.maskedSoftmax();
      const js = Float32Array.from(scores);
      maskedSoftmaxRows(js, mask, n);
      expect(Array.from(new Uint32Array(wasm.logits.slice().buffer))).toEqual(
        Array.from(new Uint32Array(js.buffer)),
      );
    }
  });

  test("the wasm hysteresis is the reference tracker's, step by step, for every tau", () => {
    // Sizes below, at and past a 16-entry block; masks that mostly agree (the fast path) and flip.
    for (const n of [1, 4, 5, 9]) {
      for (const tau of [0, 1, 2, 3, 1000]) {
        const random = lcgUniform(n * 100 + tau);
        const wasm = new WasmMincut(n, 1);
        const tracker = new HysteresisTracker(tau, n * n);
        let raw = Uint8Array.from({ length: n * n }, () => (random() < 0.5 ? 1 : 0));
        for (let step = 0; step < 12; step++) {
          if (step % 4 !== 3) raw = raw.map((x) => (random() < 0.2 ? 1 - x : x));
          wasm.rawMask.set(raw.map((x) => x * 7)); // any nonzero byte is a 1
          const kept = wasm.hysteresis(tau);
          const stable = tracker.apply(raw);
          expect(Array.from(wasm.stableMask)).toEqual(Array.from(stable));
          expect(kept).toBe(countKept(stable));
        }
      }
    }
  });

  test("the softmax's exp rounds exactly as Math.fround(Math.exp(x)), also next to f32 midpoints", () => {
    // A strided sample of every f32 in [−104, 0] (bench/exact_exp.ts checks all 1.1e9 of them),
    // plus values whose e^x lies close to a point halfway between two f32s, where the host decides.
    const count = 1 << 18;
    const { exports, memory } = instantiateAttention(count * 8);
    const x = new Float32Array(memory.buffer, 0, count);
    const bits = new Uint32Array(memory.buffer, 0, count);
    const out = new Float32Array(memory.buffer, count * 4, count);
    for (let i = 0; i < count; i++) {
      bits[i] = 0x80000000 + Math.floor(i * ((0xc2d00000 - 0x80000000) / count));
    }
    x.set([-(2 ** -25), -(2 ** -24), -(2 ** -149), -0, 0, -87, -87.3, -103.97, -Infinity, NaN], 0);
    exports.exact_exp(0, count * 4, count);
    let mismatches = 0;
    for (let i = 0; i < count; i++) if (!Object.is(out[i], Math.fround(Math.exp(x[i])))) mismatches++;
    expect(mismatches).toBe(0);
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

  test("memory() counts the wasm memory and the gate's graph, not the JS path's buffers", () => {
    const p = { seq_len: 64, d: 8, lambda: 0.5, tau: 2, eps: 0.01, variant: "reference", backend: "wasm" };
    const gate = new MinCutGate(
      64,
      { lambda: 0.5, eps: 0.01, variant: "reference" },
      new Uint8Array(64 * 64),
    );
    expect(mincut.memory!(p).temp_buffer_bytes).toBe(WasmMincut.bytes(64, 8) + gate.byteLength);
  });
});
