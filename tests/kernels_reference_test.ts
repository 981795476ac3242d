/**
 * Cross-checks every attention kernel against a plain float64 attention on seeded inputs, across
 * ordinary and awkward shapes, and checks their analytic flops and memory and their parameter
 * validation.
 *
 * @example
 * ```sh
 * bun test tests/kernels_reference_test.ts
 * deno test -A tests/kernels_reference_test.ts
 * ```
 * @module
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import type { KernelDefinition } from "../src/contracts.ts";
import softmax, { attendedPairs } from "../kernels/softmax.ts";
import flash from "../kernels/flash.ts";
import slidingWindow from "../kernels/window.ts";
import multihead from "../kernels/multihead.ts";
import {
  attentionF64,
  causalMask,
  countPairs,
  type Mask,
  maxRelativeError,
  type ReferenceLayout,
  seededInputs,
  windowMask,
} from "./support/attention_f64.ts";

const TOLERANCE = 1e-5;

/** Parses `raw` with the kernel's schema, prepares it on seeded inputs and runs it twice. */
function runTwice<P>(kernel: KernelDefinition<P>, raw: Record<string, unknown>, seed: number) {
  const params = v.parse(kernel.params, raw);
  const inputs = seededInputs(kernel.shape(params), seed);
  const instance = kernel.prepare(params, inputs);
  instance.run();
  const first = instance.output.slice();
  instance.run();
  return { params, inputs, first, output: instance.output };
}

/** Runs a kernel and expects it to match the float64 reference, and itself on a second run. */
function expectMatchesReference<P>(
  kernel: KernelDefinition<P>,
  raw: Record<string, unknown>,
  layout: ReferenceLayout,
  seed: number,
): Float32Array {
  const { inputs, first, output } = runTwice(kernel, raw, seed);
  expect(maxRelativeError(output, attentionF64(inputs, layout))).toBeLessThanOrEqual(TOLERANCE);
  expect(maxRelativeError(output, first)).toBe(0);
  return output;
}

const single = (d: number, mask?: Mask): ReferenceLayout => ({ heads: 1, kv_heads: 1, head_dim: d, mask });
const maskOf = (causal: boolean): Mask | undefined => causal ? causalMask : undefined;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectRangeError(fn: () => unknown, message: RegExp): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(RangeError);
  expect((error as Error).message).toMatch(message);
}

const dense = [
  { seq_len: 1, d: 4 },
  { seq_len: 3, d: 1 },
  { seq_len: 3, d: 5 },
  { seq_len: 70, d: 1 },
  { seq_len: 70, d: 16 },
  { seq_len: 64, d: 64 },
];

describe("softmax matches float64 attention", () => {
  dense.forEach((shape, seed) => {
    for (const causal of [false, true]) {
      test(`n=${shape.seq_len} d=${shape.d} causal=${causal}`, () => {
        expectMatchesReference(softmax, { ...shape, causal }, single(shape.d, maskOf(causal)), seed);
      });
    }
  });
});

describe("flash matches float64 attention and softmax", () => {
  const tiled = [
    ...dense.map((shape) => ({ ...shape, tile: 16 })),
    { seq_len: 1, d: 4, tile: 64 },
    { seq_len: 3, d: 2, tile: 1 },
    { seq_len: 70, d: 8, tile: 64 },
    { seq_len: 70, d: 8, tile: 3 },
    { seq_len: 130, d: 32, tile: 64 },
  ];
  tiled.forEach((shape, seed) => {
    for (const causal of [false, true]) {
      test(`n=${shape.seq_len} d=${shape.d} tile=${shape.tile} causal=${causal}`, () => {
        const output = expectMatchesReference(
          flash,
          { ...shape, causal },
          single(shape.d, maskOf(causal)),
          seed,
        );
        const dense = runTwice(softmax, { seq_len: shape.seq_len, d: shape.d, causal }, seed).output;
        expect(maxRelativeError(output, dense)).toBeLessThanOrEqual(TOLERANCE);
      });
    }
  });

  test("uses tile 64 by default", () => {
    expect(v.parse(flash.params, { seq_len: 8, d: 2 }).tile).toBe(64);
  });
});

describe("window matches float64 attention", () => {
  const windows = [
    { seq_len: 1, d: 4, w: 0, globals: 0 },
    { seq_len: 1, d: 4, w: 3, globals: 1 },
    { seq_len: 3, d: 1, w: 1, globals: 0 },
    { seq_len: 3, d: 2, w: 0, globals: 3 },
    { seq_len: 70, d: 8, w: 0, globals: 0 },
    { seq_len: 70, d: 8, w: 5, globals: 0 },
    { seq_len: 70, d: 8, w: 5, globals: 3 },
    { seq_len: 70, d: 1, w: 0, globals: 2 },
    { seq_len: 70, d: 16, w: 16, globals: 0 },
    { seq_len: 33, d: 4, w: 100, globals: 4 },
  ];
  windows.forEach((shape, seed) => {
    for (const causal of [false, true]) {
      const { seq_len, d, w, globals } = shape;
      test(`n=${seq_len} d=${d} w=${w} globals=${globals} causal=${causal}`, () => {
        const mask = windowMask(w, globals, causal);
        expectMatchesReference(slidingWindow, { ...shape, causal }, single(d, mask), seed);
      });
    }
  });

  test("equals softmax when the window covers the sequence", () => {
    const window = runTwice(slidingWindow, { seq_len: 40, d: 8, w: 39, causal: true }, 5).output;
    const dense = runTwice(softmax, { seq_len: 40, d: 8, causal: true }, 5).output;
    expect(maxRelativeError(window, dense)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe("multihead matches float64 attention", () => {
  const layouts = [
    { seq_len: 1, heads: 1, head_dim: 4, kv_heads: 1 },
    { seq_len: 3, heads: 4, head_dim: 1, kv_heads: 2 },
    { seq_len: 3, heads: 2, head_dim: 3, kv_heads: 2 },
    { seq_len: 70, heads: 4, head_dim: 8, kv_heads: 1 },
    { seq_len: 70, heads: 4, head_dim: 8, kv_heads: 4 },
    { seq_len: 33, heads: 6, head_dim: 5, kv_heads: 3 },
    { seq_len: 64, heads: 1, head_dim: 64, kv_heads: 1 },
  ];
  layouts.forEach((layout, seed) => {
    for (const causal of [false, true]) {
      const { seq_len, heads, head_dim, kv_heads } = layout;
      test(`n=${seq_len} heads=${heads} head_dim=${head_dim} kv_heads=${kv_heads} causal=${causal}`, () => {
        const reference = { heads, kv_heads, head_dim, mask: maskOf(causal) };
        expectMatchesReference(multihead, { ...layout, causal }, reference, seed);
      });
    }
  });

  test("defaults kv_heads to heads", () => {
    expect(v.parse(multihead.params, { seq_len: 4, heads: 6 }).kv_heads).toBe(6);
    expect(v.parse(multihead.params, { seq_len: 4 })).toEqual({
      seq_len: 4,
      heads: 4,
      head_dim: 64,
      kv_heads: 4,
      causal: false,
    });
  });

  test("with one head equals softmax", () => {
    const mha = runTwice(multihead, { seq_len: 50, heads: 1, head_dim: 16, causal: true }, 9).output;
    const dense = runTwice(softmax, { seq_len: 50, d: 16, causal: true }, 9).output;
    expect(maxRelativeError(mha, dense)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe("flops count attended pairs", () => {
  test("flash and softmax agree", () => {
    for (const causal of [false, true]) {
      const p = { seq_len: 100, d: 32, causal };
      expect(flash.flops!({ ...p, tile: 16 })).toBe(softmax.flops!(p));
      expect(softmax.flops!(p)).toBe(4 * 32 * countPairs(100, maskOf(causal) ?? (() => true)));
    }
  });

  test("window counts only pairs inside the window or involving a global token", () => {
    for (
      const [seq_len, w, globals] of [[1, 0, 0], [10, 0, 0], [10, 2, 0], [10, 2, 3], [10, 20, 1], [37, 4, 37]]
    ) {
      for (const causal of [false, true]) {
        const p = v.parse(slidingWindow.params, { seq_len, d: 3, w, globals, causal });
        expect(slidingWindow.flops!(p)).toBe(4 * 3 * countPairs(seq_len, windowMask(w, globals, causal)));
      }
    }
  });

  test("multihead counts every query head", () => {
    const p = v.parse(multihead.params, { seq_len: 20, heads: 8, head_dim: 16, kv_heads: 2, causal: true });
    expect(multihead.flops!(p)).toBe(4 * 8 * 16 * attendedPairs(p));
  });
});

describe("memory", () => {
  test("flash scratch is constant in seq_len, softmax's grows with it", () => {
    const temp = <P>(kernel: KernelDefinition<P>, raw: Record<string, unknown>) =>
      kernel.memory!(v.parse(kernel.params, raw)).temp_buffer_bytes;
    const flashAt = (n: number) => temp(flash, { seq_len: n, d: 64, tile: 64 });
    const softmaxAt = (n: number) => temp(softmax, { seq_len: n, d: 64 });
    expect(flashAt(4096)).toBe(flashAt(512));
    expect(flashAt(65536)).toBe(flashAt(512));
    expect(softmaxAt(4096) - softmaxAt(512)).toBe((4096 * 4096 - 512 * 512) * 4);
    expect(flashAt(32)).toBeLessThan(flashAt(64));
  });

  test("window scratch is bounded by the window without globals", () => {
    const at = (n: number, globals: number) =>
      slidingWindow.memory!(v.parse(slidingWindow.params, { seq_len: n, d: 8, w: 16, globals }))
        .temp_buffer_bytes;
    expect(at(4096, 0)).toBe(at(512, 0));
    expect(at(4096, 2)).toBeGreaterThan(at(512, 2));
  });

  test("multihead KV memory follows kv_heads, activations follow heads", () => {
    const at = (kv_heads: number) =>
      multihead.memory!(v.parse(multihead.params, { seq_len: 128, heads: 8, head_dim: 16, kv_heads }));
    expect(at(2).kv_cache_bytes * 4).toBe(at(8).kv_cache_bytes);
    expect(at(8).kv_cache_bytes).toBe(2 * 128 * 8 * 16 * 4);
    expect(at(2).activation_bytes).toBe(at(8).activation_bytes);
  });
});

describe("impossible parameters are rejected", () => {
  const inputs = seededInputs({ seq_len: 4, q_width: 8, kv_width: 8 }, 3);

  test("flash: tile 0", () => {
    expect(v.safeParse(flash.params, { seq_len: 4, d: 8, tile: 0 }).success).toBe(false);
    const p = { seq_len: 4, d: 8, tile: 0, causal: false };
    expectRangeError(() => flash.prepare(p, inputs), /tile must be a positive integer, received 0/);
  });

  test("multihead: kv_heads not dividing heads", () => {
    const raw = { seq_len: 4, heads: 4, head_dim: 2, kv_heads: 3 };
    const parsed = v.safeParse(multihead.params, raw);
    expect(parsed.success).toBe(false);
    expect(parsed.issues?.[0].message).toMatch(/divisor of heads 4, received 3/);
    const p = { ...raw, causal: false };
    expectRangeError(
      () => multihead.prepare(p, inputs),
      /kv_heads must be a positive divisor of heads 4, received 3/,
    );
  });

  test("window: globals beyond seq_len, negative w", () => {
    expect(v.safeParse(slidingWindow.params, { seq_len: 4, d: 8, globals: 5 }).success).toBe(false);
    expect(v.safeParse(slidingWindow.params, { seq_len: 4, d: 8, w: -1 }).success).toBe(false);
    const p = { seq_len: 4, d: 8, w: 1, globals: 5, causal: false };
    expectRangeError(() => slidingWindow.prepare(p, inputs), /globals must be .* seq_len 4, received 5/);
    expectRangeError(
      () => slidingWindow.prepare({ ...p, globals: 0, w: -1 }, inputs),
      /w must be .*received -1/,
    );
  });
});
