/**
 * The `backend: "wasm"` path of `softmax`, `flash` and `multihead` against their `js` path: equal
 * within 1e-5 across ordinary and awkward shapes (one token, lengths and head sizes that are not
 * multiples of the SIMD width or of the tile, grouped-query heads, causal or not), repeatable
 * from run to run, independent when several are prepared at once; plus the parameter itself
 * and the scratch it reports.
 *
 * @example
 * ```sh
 * bun test tests/wasm_backend_test.ts
 * deno test -A tests/wasm_backend_test.ts
 * ```
 * @module
 */
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import type { KernelDefinition, KernelInstance } from "../src/contracts.ts";
import softmax from "../kernels/softmax.ts";
import flash from "../kernels/flash.ts";
import multihead from "../kernels/multihead.ts";
import { denseScratchBytes, flashScratchBytes } from "../kernels/wasm/attention.ts";
import { maxRelativeError, seededInputs } from "./support/attention_f64.ts";

const TOLERANCE = 1e-5;

/** Prepares the kernel at `raw` on seeded inputs with the given backend. */
function prepare<P>(
  kernel: KernelDefinition<P>,
  raw: Record<string, unknown>,
  backend: string,
  seed: number,
) {
  const params = v.parse(kernel.params, { ...raw, backend });
  return kernel.prepare(params, seededInputs(kernel.shape(params), seed));
}

/** Runs `instance` twice and expects both outputs to be the same. */
function runTwice(instance: KernelInstance): Float32Array {
  instance.run();
  const first = instance.output.slice();
  instance.run();
  expect(maxRelativeError(instance.output, first)).toBe(0);
  return instance.output;
}

/** Expects the wasm backend to match the js backend on seeded inputs, and to repeat itself. */
function expectWasmMatchesJs<P>(
  kernel: KernelDefinition<P>,
  raw: Record<string, unknown>,
  seed: number,
): void {
  const js = runTwice(prepare(kernel, raw, "js", seed));
  const wasm = runTwice(prepare(kernel, raw, "wasm", seed));
  expect(wasm.length).toBe(js.length);
  expect(maxRelativeError(wasm, js)).toBeLessThanOrEqual(TOLERANCE);
}

const singleHead = [
  { seq_len: 1, d: 4 },
  { seq_len: 1, d: 1 },
  { seq_len: 3, d: 1 },
  { seq_len: 3, d: 7 },
  { seq_len: 5, d: 8 },
  { seq_len: 70, d: 7 },
  { seq_len: 70, d: 16 },
  { seq_len: 67, d: 12 },
  { seq_len: 130, d: 64 },
  { seq_len: 64, d: 65 },
];

describe("softmax: wasm equals js", () => {
  singleHead.forEach((shape, seed) => {
    for (const causal of [false, true]) {
      test(`n=${shape.seq_len} d=${shape.d} causal=${causal}`, () => {
        expectWasmMatchesJs(softmax, { ...shape, causal }, seed);
      });
    }
  });
});

describe("flash: wasm equals js", () => {
  const tiled = [
    ...singleHead.map((shape) => ({ ...shape, tile: 16 })),
    { seq_len: 1, d: 4, tile: 64 },
    { seq_len: 3, d: 2, tile: 1 },
    { seq_len: 70, d: 8, tile: 3 },
    { seq_len: 70, d: 8, tile: 6 },
    { seq_len: 70, d: 8, tile: 64 },
    { seq_len: 130, d: 32, tile: 64 },
    { seq_len: 100, d: 5, tile: 200 },
  ];
  tiled.forEach((shape, seed) => {
    for (const causal of [false, true]) {
      test(`n=${shape.seq_len} d=${shape.d} tile=${shape.tile} causal=${causal}`, () => {
        expectWasmMatchesJs(flash, { ...shape, causal }, seed);
      });
    }
  });
});

describe("multihead: wasm equals js", () => {
  const layouts = [
    { seq_len: 1, heads: 1, head_dim: 4, kv_heads: 1 },
    { seq_len: 3, heads: 4, head_dim: 1, kv_heads: 2 },
    { seq_len: 3, heads: 2, head_dim: 3, kv_heads: 2 },
    { seq_len: 70, heads: 4, head_dim: 8, kv_heads: 1 },
    { seq_len: 70, heads: 4, head_dim: 8, kv_heads: 4 },
    { seq_len: 33, heads: 6, head_dim: 5, kv_heads: 3 },
    { seq_len: 45, heads: 8, head_dim: 7, kv_heads: 2 },
    { seq_len: 64, heads: 2, head_dim: 64, kv_heads: 1 },
  ];
  layouts.forEach((layout, seed) => {
    for (const causal of [false, true]) {
      const { seq_len, heads, head_dim, kv_heads } = layout;
      test(`n=${seq_len} heads=${heads} head_dim=${head_dim} kv_heads=${kv_heads} causal=${causal}`, () => {
        expectWasmMatchesJs(multihead, { ...layout, causal }, seed);
      });
    }
  });
});

describe("prepared wasm kernels", () => {
  test("several prepared at once keep their own inputs and outputs", () => {
    // deno-lint-ignore no-explicit-any
    const cases: [KernelDefinition<any>, Record<string, unknown>][] = [
      [softmax, { seq_len: 40, d: 8, causal: true }],
      [flash, { seq_len: 50, d: 16, tile: 8, causal: false }],
      [multihead, { seq_len: 20, heads: 4, head_dim: 6, kv_heads: 2, causal: true }],
      [softmax, { seq_len: 40, d: 8, causal: true }],
    ];
    const prepared = cases.map(([kernel, raw], seed) => prepare(kernel, raw, "wasm", seed));
    const expected = cases.map(([kernel, raw], seed) => runTwice(prepare(kernel, raw, "js", seed)).slice());
    for (const instance of prepared) instance.run();
    for (const instance of [...prepared].reverse()) instance.run();
    prepared.forEach((instance, i) => {
      expect(maxRelativeError(instance.output, expected[i])).toBeLessThanOrEqual(TOLERANCE);
    });
    expect(maxRelativeError(prepared[0].output, prepared[3].output)).toBeGreaterThan(0);
  });

  test("output is one view over the instance's memory, filled in place by run()", () => {
    const instance = prepare(flash, { seq_len: 9, d: 3, tile: 4 }, "wasm", 1);
    const output = instance.output;
    instance.run();
    expect(instance.output).toBe(output);
    expect(output.some((x) => x !== 0)).toBe(true);
  });
});

describe("backend parameter", () => {
  test("is optional, js when left out, and leaves the parsed parameters as they were", () => {
    expect(v.parse(softmax.params, { seq_len: 4, d: 2 })).toEqual({ seq_len: 4, d: 2, causal: false });
    expect(v.parse(flash.params, { seq_len: 4, d: 2, backend: "wasm" }).backend).toBe("wasm");
    expect(v.parse(multihead.params, { seq_len: 4, backend: "js" }).backend).toBe("js");
  });

  test("rejects anything but js, wasm or webgpu", () => {
    for (const kernel of [softmax, flash, multihead] as KernelDefinition<unknown>[]) {
      const parsed = v.safeParse(kernel.params, { seq_len: 4, d: 2, backend: "gpu" });
      expect(parsed.success).toBe(false);
      expect(parsed.issues?.[0].message).toBe('"js", "wasm" or "webgpu" for backend');
    }
  });

  test("memory reports the wasm scratch as temp bytes; flash's stays constant in seq_len", () => {
    const temp = <P>(kernel: KernelDefinition<P>, raw: Record<string, unknown>) =>
      kernel.memory!(v.parse(kernel.params, { ...raw, backend: "wasm" })).temp_buffer_bytes;
    expect(temp(softmax, { seq_len: 512, d: 64 })).toBe(denseScratchBytes(512, 64));
    expect(temp(multihead, { seq_len: 512, heads: 4, head_dim: 64 })).toBe(denseScratchBytes(512, 64));
    expect(temp(flash, { seq_len: 512, d: 64, tile: 64 })).toBe(flashScratchBytes(512, 64, 64));
    expect(temp(flash, { seq_len: 4096, d: 64, tile: 64 })).toBe(
      temp(flash, { seq_len: 512, d: 64, tile: 64 }),
    );
    expect(temp(softmax, { seq_len: 4096, d: 64 })).toBeGreaterThan(temp(softmax, { seq_len: 512, d: 64 }));
  });

  test("flops do not depend on the backend", () => {
    const p = v.parse(softmax.params, { seq_len: 100, d: 32, causal: true });
    expect(softmax.flops!({ ...p, backend: "wasm" })).toBe(softmax.flops!(p));
  });
});
