import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { builtinKernels, inputGenerators } from "../mod.ts";
import { MAKE_QKV_4_3_SOFTMAX } from "./support/reference_vectors.ts";

const softmax = builtinKernels.softmax;

function run(
  params: { seq_len: number; d: number; causal?: boolean },
  generator: string,
  options: Record<string, unknown> = {},
) {
  const p = { causal: false, ...params };
  const gen = inputGenerators[generator];
  const inputs = gen.generate(softmax.shape(p), 0, v.parse(gen.options, options));
  const instance = softmax.prepare(p, inputs);
  instance.run();
  return Array.from(instance.output);
}

function expectClose(actual: number[], expected: number[], rel = 1e-6) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) =>
    expect(Math.abs(a - expected[i])).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected[i]), 1e-30))
  );
}

describe("softmax kernel (reference attn_softmax, ruvector.md §1.4)", () => {
  test("make_qkv(4, 3) matches the reference output within 1e-6 relative", () => {
    expectClose(run({ seq_len: 4, d: 3 }, "identity"), [...MAKE_QKV_4_3_SOFTMAX]);
  });

  test("constant inputs q = k = 0.1, v = 1 give all ones (4 × 8)", () => {
    expectClose(run({ seq_len: 4, d: 8 }, "constant"), new Array(32).fill(1));
  });

  test("q = k = [1,1,1,1], d = 4, one token: the output is v", () => {
    expectClose(run({ seq_len: 1, d: 4 }, "constant", { q: 1, k: 1, v: 3 }), [3, 3, 3, 3]);
  });

  test("causal: the first query sees only the first key", () => {
    const out = run({ seq_len: 4, d: 3, causal: true }, "identity");
    expectClose(out.slice(0, 3), [0, 1, 2]);
    expect(out.slice(9)).not.toEqual(out.slice(0, 3));
  });

  test("run() is repeatable and flops/memory are declared", () => {
    const p = { seq_len: 8, d: 4, causal: false };
    const instance = softmax.prepare(p, inputGenerators.normal.generate(softmax.shape(p), 1, { std: 1 }));
    instance.run();
    const first = Array.from(instance.output);
    instance.run();
    expect(Array.from(instance.output)).toEqual(first);
    expect(softmax.flops!(p)).toBe(4 * 8 * 8 * 4);
    expect(softmax.memory!(p).kv_cache_bytes).toBe(2 * 8 * 4 * 4);
  });
});
