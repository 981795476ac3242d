import { describe, expect, test } from "bun:test";
import mincut from "../kernels/mincut.ts";
import softmax from "../kernels/softmax.ts";
import { computeLogits } from "../kernels/mincut/logits.ts";
import {
  maskedAttention,
  maskedSoftmaxRows,
  rowScratch,
  weightsTimesV,
} from "../kernels/mincut/masked_attention.ts";
import type { AttentionInputs } from "../src/contracts.ts";
import { MAKE_QKV_4_3_SOFTMAX } from "./support/reference_vectors.ts";

/** The reference tests' make_qkv: q = k = 1 at (i, i) for i < min(seq, d), v = 0, 1, 2, ... */
function makeQkv(seq: number, d: number): AttentionInputs {
  const q = new Float32Array(seq * d);
  for (let i = 0; i < Math.min(seq, d); i++) q[i * d + i] = 1;
  const v = Float32Array.from({ length: seq * d }, (_, i) => i);
  return { q, k: q.slice(), v, seq_len: seq, q_width: d, kv_width: d };
}

function constant(seq: number, d: number): AttentionInputs {
  const q = new Float32Array(seq * d).fill(0.1);
  return { q, k: q.slice(), v: new Float32Array(seq * d).fill(1), seq_len: seq, q_width: d, kv_width: d };
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], relative = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const ok = Math.abs(actual[i] - e) <= relative * Math.abs(e);
    if (!ok) throw new Error(`entry ${i}: ${actual[i]} is not within ${relative} relative of ${e}`);
  });
}

const defaults = { lambda: 0.5, tau: 2, eps: 0.01, variant: "reference" as const };

function runMincut(inputs: AttentionInputs) {
  const p = { seq_len: inputs.seq_len, d: inputs.q_width, ...defaults };
  const kernel = mincut.prepare(p, inputs);
  kernel.run();
  return kernel;
}

function runSoftmax(inputs: AttentionInputs): Float32Array {
  const kernel = softmax.prepare({ seq_len: inputs.seq_len, d: inputs.q_width, causal: false }, inputs);
  kernel.run();
  return kernel.output;
}

describe("computeLogits (ruvector §1.4)", () => {
  test("q = k = [1,1,1,1], d=4, seq 1: logit 2", () => {
    const q = new Float32Array([1, 1, 1, 1]);
    expect(computeLogits(q, q, 4, 1)[0]).toBeCloseTo(2, 5);
  });

  test("make_qkv(4,3): f32 1/√3 on the first three diagonal entries, 0 elsewhere", () => {
    const { q, k } = makeQkv(4, 3);
    const s = Math.fround(1 / Math.fround(Math.sqrt(3)));
    expect(s).toBe(Math.fround(0.57735026));
    expect(Array.from(computeLogits(q, k, 3, 4))).toEqual([s, 0, 0, 0, 0, s, 0, 0, 0, 0, s, 0, 0, 0, 0, 0]);
  });

  test("every + and * is rounded to f32, in ascending order", () => {
    const q = new Float32Array([1e8, 1, -1e8]);
    const k = new Float32Array([1, 1, 1]);
    expect(computeLogits(q, k, 3, 1)[0]).toBe(0);
  });

  test("wrong q length says what was found and expected", () => {
    expect(() => computeLogits(new Float32Array(5), new Float32Array(6), 3, 2)).toThrow(
      "q has length 5, expected 6 (seq_len 2 × d 3)",
    );
  });
});

describe("masked softmax and weights × V (ruvector §1.4)", () => {
  test("dense rows [[1,2],[3,4]] each sum to 1", () => {
    const s = new Float32Array([1, 2, 3, 4]);
    maskedSoftmaxRows(s, new Uint8Array([1, 1, 1, 1]), 2);
    expect(s[0] + s[1]).toBeCloseTo(1, 5);
    expect(s[2] + s[3]).toBeCloseTo(1, 5);
  });

  test("a fully pruned row gets zero weights, not NaN", () => {
    const s = new Float32Array([1, 2, 3, 4]);
    maskedSoftmaxRows(s, new Uint8Array([0, 1, 0, 0]), 2);
    expect(Array.from(s)).toEqual([0, 1, 0, 0]);
  });

  test("equal bit for bit to the reference's literal steps (−∞ fill, softmax, NaN → 0, × V)", () => {
    let state = 9;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + Math.floor(random() * 12);
      const d = 1 + Math.floor(random() * 6);
      const logits = Float32Array.from({ length: n * n }, () => random() * 8 - 4);
      const mask = Uint8Array.from(
        { length: n * n },
        (_, i) => (i % n === 0 && trial % 3 === 0) || random() < 0.5 ? 0 : 1,
      );
      const v = Float32Array.from({ length: n * d }, () => random() * 2 - 1);
      const weights = logits.slice();
      maskedSoftmaxRows(weights, mask, n);
      const out = new Float32Array(n * d);
      weightsTimesV(weights, v, n, d, out);
      const expected = literalAttention(logits, mask, v, n, d);
      expect(Array.from(weights)).toEqual(Array.from(expected.weights));
      expect(Array.from(out)).toEqual(Array.from(expected.out));
    }
  });

  test("maskedAttention equals the literal steps bit for bit, with kept ±∞, NaN and underflowing logits", () => {
    // Special logits kept by the mask (as the hysteresis can keep them): +∞ (its row's max, so
    // every weight NaN → 0), −∞, NaN (a NaN sum: no division, weights NaN → 0) and −200 (its exp
    // underflows to a weight of 0, which weights × V must skip); V rows with NaN behind them.
    let state = 21;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const special = [Infinity, -Infinity, NaN, -200];
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + Math.floor(random() * 13);
      const d = 1 + Math.floor(random() * 19);
      const logits = Float32Array.from(
        { length: n * n },
        () => random() < 0.08 ? special[Math.floor(random() * 4)] : random() * 8 - 4,
      );
      const mask = Uint8Array.from({ length: n * n }, () => (random() < 0.5 ? 0 : random() < 0.5 ? 1 : 3));
      const v = Float32Array.from(
        { length: n * d },
        () => random() < 0.03 ? NaN : Math.fround(random() * 2 - 1),
      );
      const expected = literalAttention(logits, mask, v, n, d);
      const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer));
      for (const values of [v, Float64Array.from(v)]) {
        const scores = logits.slice();
        const out = new Float32Array(n * d).fill(7);
        maskedAttention(scores, mask, values, n, d, out, rowScratch(n + 2));
        expect(bits(out)).toEqual(bits(expected.out));
        expect(bits(scores)).toEqual(bits(logits)); // the scores are left as they were
      }
    }
  });

  test("zero weights skip their V row entirely, so non-finite V does not leak", () => {
    const out = new Float32Array(2);
    weightsTimesV(new Float32Array([1, 0, 1, 0]), new Float32Array([2, NaN]), 2, 1, out);
    expect(Array.from(out)).toEqual([2, 2]);
    weightsTimesV(new Float32Array([1, 0, 1, 0]), new Float64Array([2, NaN]), 2, 1, out.fill(7));
    expect(Array.from(out)).toEqual([2, 2]);
  });

  test("over V's f64 copy (the V8 path: eight outputs in registers) the bits are V's own path's", () => {
    // d below, at and past a block of eight, with a remainder; a fully pruned row; random zeros.
    let state = 9;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (const [n, d] of [[1, 1], [5, 7], [9, 8], [13, 21], [33, 64]]) {
      const weights = Float32Array.from(
        { length: n * n },
        () => (random() < 0.4 ? 0 : Math.fround(random())),
      );
      weights.fill(0, 0, n);
      const v = Float32Array.from({ length: n * d }, () => Math.fround(random() * 4 - 2));
      const fromF32 = new Float32Array(n * d), fromF64 = new Float32Array(n * d).fill(NaN);
      weightsTimesV(weights, v, n, d, fromF32);
      weightsTimesV(weights, Float64Array.from(v), n, d, fromF64);
      expect(Array.from(new Uint32Array(fromF64.buffer))).toEqual(
        Array.from(new Uint32Array(fromF32.buffer)),
      );
    }
  });
});

describe("reference outputs (ruvector §1.4)", () => {
  test("make_qkv(4,3): attn_softmax (the softmax kernel) within 1e-6 relative", () => {
    expectClose(runSoftmax(makeQkv(4, 3)), [...MAKE_QKV_4_3_SOFTMAX]);
  });

  test("make_qkv(4,3): attn_mincut output, kept 3/16, mask, cut 0; row 3 fully pruned", () => {
    const kernel = runMincut(makeQkv(4, 3));
    expectClose(kernel.output, [0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0]);
    expect(kernel.stats()).toEqual({ edges_kept: 3, edges_total: 16, cut_cost: 0 });
    expect(Array.from(kernel.keepMask).join("")).toBe("1000010000100000");
  });

  for (const [seq, d] of [[4, 8], [32, 64], [64, 128]]) {
    test(`constant q = k = 0.1, v = 1 at ${seq}×${d}: everything kept, cut never fires, output 1`, () => {
      const inputs = constant(seq, d);
      const kernel = runMincut(inputs);
      expect(kernel.stats()).toEqual({ edges_kept: seq * seq, edges_total: seq * seq, cut_cost: 0 });
      expectClose(kernel.output, Array(seq * d).fill(1));
      expectClose(runSoftmax(inputs), Array(seq * d).fill(1));
    });
  }

  test("constant 4×8 logit is 0.028284272", () => {
    const { q, k } = constant(4, 8);
    expect(computeLogits(q, k, 8, 4)[5]).toBe(Math.fround(0.028284272));
  });
});

/** §1.4 step by step: pruned logits to −∞, f32 row softmax, NaN → 0, f32 weights × V. */
function literalAttention(logits: Float32Array, mask: Uint8Array, v: Float32Array, n: number, d: number) {
  const f32 = Math.fround;
  const weights = logits.map((x, i) => (mask[i] ? x : -Infinity));
  for (let i = 0; i < n; i++) {
    const row = weights.subarray(i * n, i * n + n);
    const max = row.reduce((m, x) => (x > m ? x : m), -Infinity);
    let sum = 0;
    row.forEach((x, j) => {
      row[j] = f32(Math.exp(f32(x - max)));
      sum = f32(sum + row[j]);
    });
    if (sum > 0) row.forEach((x, j) => (row[j] = f32(x / sum)));
  }
  weights.forEach((x, i) => (weights[i] = Number.isNaN(x) ? 0 : x));
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const w = weights[i * n + j];
      if (w === 0) continue;
      for (let h = 0; h < d; h++) out[i * d + h] = f32(out[i * d + h] + f32(w * v[j * d + h]));
    }
  }
  return { weights, out };
}
