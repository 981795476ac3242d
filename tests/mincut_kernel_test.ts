import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import mincut, { type MincutParams, scratchBytes } from "../kernels/mincut.ts";
import { dynamicMinCut, dynamicMinCutBestSink, epsOnlyKeepMask, MinCutGate } from "../kernels/mincut/gate.ts";
import { hysteresisBytes } from "../kernels/mincut/hysteresis.ts";
import { computeLogits } from "../kernels/mincut/logits.ts";
import { WideInputs, WIDEN_INPUTS } from "../kernels/mincut/wide_inputs.ts";
import type { AttentionInputs } from "../src/contracts.ts";

const bits = (mask: ArrayLike<number>): string => Array.from(mask, (x) => (x ? "1" : "0")).join("");

function params(seq_len: number, d: number, extra: Partial<MincutParams> = {}): MincutParams {
  return v.parse(mincut.params, { seq_len, d, ...extra });
}

function inputs(
  seq_len: number,
  d: number,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
): AttentionInputs {
  return { q, k, v, seq_len, q_width: d, kv_width: d };
}

/** Deterministic values in [-1, 1). */
function randomInputs(seq: number, d: number, seed: number): AttentionInputs {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
  const make = () => Float32Array.from({ length: seq * d }, next);
  return inputs(seq, d, make(), make(), make());
}

describe("mincut kernel definition", () => {
  test("name, version, defaults", () => {
    expect([mincut.name, mincut.version]).toEqual(["mincut", "1.0.0"]);
    expect(params(8, 4)).toEqual({ seq_len: 8, d: 4, lambda: 0.5, tau: 2, eps: 0.01, variant: "reference" });
    expect(mincut.shape(params(8, 4))).toEqual({ seq_len: 8, q_width: 4, kv_width: 4 });
  });

  test("rejects bad parameters with the expected form", () => {
    const issue = (extra: Record<string, unknown>) =>
      v.safeParse(mincut.params, { seq_len: 8, d: 4, ...extra }).issues?.[0].message;
    expect(issue({ tau: -1 })).toBe("a non-negative integer for tau");
    expect(issue({ tau: 1.5 })).toBe("a non-negative integer for tau");
    expect(issue({ variant: "random" })).toBe("one of: reference, best-sink, eps-only");
    expect(issue({ lambda: "high" })).toBe("a number for lambda");
    expect(issue({ eps: Infinity })).toBe("a finite number for eps");
  });

  test("flops 4·n²·d; memory: K/V and activations 2·n·d·4, scratch = what prepare allocates", () => {
    for (const variant of ["reference", "best-sink", "eps-only"] as const) {
      const p = params(12, 8, { variant });
      const scratch = 12 * 12 * 4 + new MinCutGate(12, p).byteLength + hysteresisBytes(144) +
        12 * (4 + (WIDEN_INPUTS ? 8 : 4)) +
        WideInputs.bytes(12, 8);
      expect(mincut.flops!(p)).toBe(4 * 144 * 8);
      expect(mincut.memory!(p)).toEqual({
        kv_cache_bytes: 2 * 12 * 8 * 4,
        activation_bytes: 2 * 12 * 8 * 4,
        temp_buffer_bytes: scratch,
      });
      expect(scratchBytes(p)).toBe(scratch);
    }
  });

  test("prepare rejects inputs of the wrong shape and parameters that bypassed the schema", () => {
    const x = new Float32Array(12);
    expect(() => mincut.prepare(params(4, 3), inputs(4, 3, x, x, new Float32Array(11)))).toThrow(
      "v has length 11, expected 12 (seq_len 4 × d 3)",
    );
    const raw = { ...params(4, 3), tau: -1 };
    expect(() => mincut.prepare(raw, inputs(4, 3, x, x, x))).toThrow(
      "tau is -1, expected a non-negative integer",
    );
    const odd = { ...params(4, 3), variant: "random" } as unknown as MincutParams;
    expect(() => mincut.prepare(odd, inputs(4, 3, x, x, x))).toThrow(
      'variant is "random", expected one of: reference, best-sink, eps-only',
    );
  });
});

describe("mincut kernel instance", () => {
  test("run() is deterministic across calls and reuses its buffers", () => {
    const kernel = mincut.prepare(params(64, 16), randomInputs(64, 16, 1));
    kernel.run();
    const output = kernel.output.slice();
    const mask = kernel.keepMask;
    const maskBits = bits(mask);
    const stats = kernel.stats();
    for (let call = 0; call < 3; call++) {
      kernel.run();
      expect(kernel.output).toEqual(output);
      expect(kernel.keepMask).toBe(mask);
      expect(bits(kernel.keepMask)).toBe(maskBits);
      expect(kernel.stats()).toEqual(stats);
    }
    expect(stats.edges_total).toBe(64 * 64);
    expect(stats.edges_kept).toBe(maskBits.split("1").length - 1);
  });

  for (const variant of ["reference", "best-sink", "eps-only"] as const) {
    test(`variant ${variant}: the keep mask is the gate function's`, () => {
      for (const seed of [2, 3, 4]) {
        const data = randomInputs(24, 8, seed);
        const kernel = mincut.prepare(params(24, 8, { variant, lambda: 4 }), data);
        kernel.run();
        const logits = computeLogits(data.q, data.k, 8, 24);
        const expected = variant === "eps-only"
          ? { keep_mask: epsOnlyKeepMask(logits, 0.01), cut_cost: 0 }
          : (variant === "reference" ? dynamicMinCut : dynamicMinCutBestSink)(logits, 24, 4, 0.01);
        expect(bits(kernel.keepMask)).toBe(bits(expected.keep_mask));
        expect(kernel.stats().cut_cost).toBe(expected.cut_cost);
      }
    });
  }

  for (const [tau, kept] of [[0, [3, 4, 4]], [1, [3, 4, 4]], [2, [3, 3, 4]], [3, [3, 3, 3]]] as const) {
    test(`tau ${tau} applies hysteresis across run() calls: kept ${kept.join(", ")}`, () => {
      const q = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
      const k = q.slice();
      const values = Float32Array.from({ length: 12 }, (_, i) => i);
      const kernel = mincut.prepare(params(4, 3, { tau }), inputs(4, 3, q, k, values));
      const seen: number[] = [];
      const lastRows: number[][] = [];
      for (let call = 0; call < 3; call++) {
        kernel.run();
        seen.push(kernel.stats().edges_kept);
        lastRows.push(Array.from(kernel.output.subarray(9)));
        q[9] = 1; // from the second call on, query 3 also attends key 0
        kernel.load!(inputs(4, 3, q, k, values)); // a kernel may copy its inputs: load() hands over new ones
      }
      expect(seen).toEqual([...kept]);
      lastRows.forEach((row, call) => expect(row).toEqual(seen[call] === 4 ? [0, 1, 2] : [0, 0, 0]));
    });
  }

  test("seq_len 2048 with a 2047-step chain: no stack overflow, the cut fires and prunes one edge", () => {
    const n = 2048;
    const d = 4;
    const step = 0.003;
    const q = new Float32Array(n * d);
    const k = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      q.set([Math.cos(i * step), Math.sin(i * step)], i * d);
      k.set([Math.cos((i - 0.5) * step), Math.sin((i - 0.5) * step)], i * d);
    }
    // logit(i, j) = cos((i − j + ½)·step) / 2: above eps only for j = i and j = i + 1.
    const eps = (Math.cos(0.5 * step) + Math.cos(1.5 * step)) / 4;
    const kernel = mincut.prepare(
      params(n, d, { lambda: 1e6, eps }),
      inputs(n, d, q, k, new Float32Array(n * d).fill(1)),
    );
    kernel.run();
    const first = kernel.stats();
    expect(first.edges_kept).toBe(2 * n - 2);
    expect(first.cut_cost).toBeCloseTo(0.5, 5);
    kernel.run();
    expect(kernel.stats()).toEqual(first);
  }, 30_000);
});
