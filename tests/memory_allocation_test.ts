import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { builtinKernels } from "../kernels/mod.ts";
import { allocationPerCall } from "../testing.ts";
import { seededInputs } from "./support/attention_f64.ts";

describe("allocation check", () => {
  test("a call that only writes preallocated arrays allocates nothing", async () => {
    const a = new Float64Array(4096);
    const report = await allocationPerCall(() => {
      for (let i = 0; i < a.length; i++) a[i] = a[i] * 0.5 + i;
    });
    expect(report.bytes_per_call).toBe(0);
    expect(report.calls).toBe(16);
    expect(report.method).toMatch(
      /^(v8\.used_heap_size\+external_memory|mimalloc\.malloc_requested)$/,
    );
  });

  test("a call that allocates a typed array is caught with at least its storage", async () => {
    let keep: Float64Array | undefined;
    const report = await allocationPerCall(() => {
      keep = new Float64Array(8192);
    }, { calls: 32 });
    expect(keep!.length).toBe(8192);
    expect(report.bytes_per_call).toBeGreaterThanOrEqual(0.95 * 8 * 8192); // less the empty call's own noise
    expect(report.bytes_per_call).toBeLessThan(2 * 8 * 8192);
  });

  test("bad counts are refused", async () => {
    await expect(allocationPerCall(() => {}, { calls: 0 })).rejects.toThrow(
      "allocation check got calls 0, rounds 5, warmup 3, warmup_ms 100; expected whole numbers, calls and rounds ≥ 1, and warmup_ms ≥ 0",
    );
  });
});

/**
 * The built-in kernels allocate in `prepare()`, not in `run()`: 0 bytes per call for every one.
 * On V8 a floating-point value returned from (or passed to) a helper the JIT did not inline is
 * boxed on the heap, 16 bytes a time, so the row helpers hand their max and sum over in typed-array
 * slots (`raiseMax`, `expScores`) and mincut keeps its gate's and solver's floating-point state in
 * typed arrays. JavaScriptCore (Bun) does not box doubles. V8 optimises a function only after some
 * hundreds of calls (unoptimised, every double it computes is boxed), so each case warms up 1500
 * calls first.
 */
describe("built-in kernels' hot paths allocate nothing", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["softmax", { seq_len: 96, d: 16 }],
    ["softmax", { seq_len: 192, d: 16, causal: true }],
    ["flash", { seq_len: 96, d: 16, tile: 32 }],
    ["flash", { seq_len: 192, d: 16, tile: 32, causal: true }],
    ["window", { seq_len: 96, d: 16, w: 8 }],
    ["window", { seq_len: 192, d: 16, w: 8, globals: 2 }],
    ["multihead", { seq_len: 96, heads: 2, head_dim: 8 }],
    ["multihead", { seq_len: 192, heads: 4, head_dim: 8, kv_heads: 2 }],
    ["mincut", { seq_len: 64, d: 16 }],
    ["mincut", { seq_len: 64, d: 16, variant: "best-sink" }],
    ["mincut", { seq_len: 64, d: 16, variant: "eps-only" }],
    ["mincut", { seq_len: 64, d: 16, backend: "wasm" }],
  ];
  for (const [name, raw] of cases) {
    test(`${name} ${JSON.stringify(raw)}: 0 bytes per call`, async () => {
      const kernel = builtinKernels[name];
      const params = v.parse(kernel.params, raw);
      const instance = kernel.prepare(params, seededInputs(kernel.shape(params), 3));
      // Bun's counter also sees other threads' mallocs (its JIT compiler, I/O left by earlier
      // test files in the same process): a few stray bytes are noise, a real allocation in run()
      // shows in every attempt, so the fewest bytes of up to three attempts must be 0.
      let fewest = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt < 3 && fewest > 0; attempt++) {
        const report = await allocationPerCall(() => instance.run(), {
          calls: 16,
          warmup: 1500,
          warmup_ms: 300,
        });
        fewest = Math.min(fewest, report.bytes_per_call);
      }
      expect(fewest).toBe(0);
      // Up to 1 500 warm-up calls, three times: seconds on a busy machine (7.7 s seen with both
      // cores loaded), well past Bun's 5 s default.
    }, 60_000);
  }
});
