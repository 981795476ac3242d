/**
 * The `backend: "webgpu"` path of `softmax`, `flash` and `multihead` against a float64 attention,
 * on odd shapes (one token, lengths and head sizes that are no multiple of anything, several key
 * tiles, grouped-query heads, causal or not); its device time, `load()`, that a call makes no GPU
 * objects, what happens after `dispose()` or a lost device, and the refusals (shapes that do not
 * fit the device, mincut, no adapter, a missing package, Dawn's null backend).
 *
 * Agreement: every output value `o` of query row `i`, column `x` must satisfy
 * `|o − ref| ≤ 1e-4 · Σ_j p_ij·|v_jx|`, where `p_ij` are the float64 softmax weights: the weighted
 * mean of the magnitudes the output sums, which is the scale f32 rounding errors in that sum are
 * proportional to. It equals `|ref|` when the values summed share a sign, and is never below it.
 *
 * Without a WebGPU adapter the tests that need one are skipped, and the reason is printed; with
 * `ATTNBENCH_REQUIRE_WEBGPU=1` (CI) they fail with the reason instead.
 *
 * @example
 * ```sh
 * bun test tests/webgpu_kernels_test.ts
 * deno test -A tests/webgpu_kernels_test.ts
 * ```
 * @module
 */
import { describe, expect, test } from "bun:test";
import process from "node:process";
import * as v from "valibot";
import type { AttentionInputs, KernelDefinition } from "../src/contracts.ts";
import softmax from "../kernels/softmax.ts";
import flash from "../kernels/flash.ts";
import multihead from "../kernels/multihead.ts";
import mincut from "../kernels/mincut.ts";
import { describeAdapter } from "../kernels/webgpu/adapter_info.ts";
import { prepareWebGpuTiled } from "../kernels/webgpu/attention.ts";
import { findWebGpu } from "../kernels/webgpu/binding.ts";
import { gpuAvailability, openWebGpu, readyWebGpu, type WebGpu } from "../kernels/webgpu/device.ts";
import { checkKernel } from "../testing.ts";
import { attentionF64, causalMask, seededInputs } from "./support/attention_f64.ts";

const TOLERANCE = 1e-4;

const availability = await gpuAvailability();
const reason = typeof availability === "string" ? availability : undefined;
const required = process.env.ATTNBENCH_REQUIRE_WEBGPU === "1";
if (reason && !required) console.warn(`webgpu kernel tests skipped: ${reason}`);

/** A test that needs the adapter: skipped without one, failed with the reason when CI requires one. */
function gpuTest(name: string, body: () => Promise<void>): void {
  if (!reason) test(name, body, 60_000);
  else if (required) test(name, () => Promise.reject(new Error(`ATTNBENCH_REQUIRE_WEBGPU=1 but ${reason}`)));
  else test.skip(name, body);
}

/** Heads of a layout and whether it is causal. */
interface Layout {
  heads: number;
  kv_heads: number;
  head_dim: number;
  causal: boolean;
}

/**
 * Float64 attention with, per output value, the error scale of the module comment: the softmax
 * weighted mean of `|v|` over the keys the value sums.
 */
function reference(inputs: AttentionInputs, layout: Layout): { out: Float64Array; scale: Float64Array } {
  const { heads, kv_heads, head_dim: d, causal } = layout;
  const n = inputs.seq_len, out = new Float64Array(n * heads * d), scale = new Float64Array(out.length);
  for (let h = 0; h < heads; h++) {
    const kv = Math.floor(h / (heads / kv_heads)) * d;
    for (let i = 0; i < n; i++) {
      const keys = causal ? i + 1 : n, logits = new Float64Array(keys);
      for (let j = 0; j < keys; j++) {
        for (let x = 0; x < d; x++) {
          logits[j] += inputs.q[i * inputs.q_width + h * d + x] * inputs.k[j * inputs.kv_width + kv + x];
        }
        logits[j] /= Math.sqrt(d);
      }
      const max = Math.max(...logits), weights = logits.map((l) => Math.exp(l - max));
      const total = weights.reduce((a, b) => a + b, 0);
      for (let x = 0; x < d; x++) {
        const at = i * heads * d + h * d + x;
        for (let j = 0; j < keys; j++) {
          const value = inputs.v[j * inputs.kv_width + kv + x];
          out[at] += weights[j] * value / total;
          scale[at] += weights[j] * Math.abs(value) / total;
        }
      }
    }
  }
  return { out, scale };
}

/** The largest `|o − ref| / scale` over the output; at most {@link TOLERANCE} to pass. */
function worstError(output: Float32Array, expected: { out: Float64Array; scale: Float64Array }): number {
  expect(output.length).toBe(expected.out.length);
  let worst = 0;
  for (let i = 0; i < output.length; i++) {
    const error = Math.abs(output[i] - expected.out[i]) / expected.scale[i];
    if (!(error <= worst)) worst = Number.isFinite(error) ? error : Infinity;
  }
  return worst;
}

/** Parses `raw` with `backend: "webgpu"`, checks availability and prepares on seeded inputs. */
async function prepare<P>(kernel: KernelDefinition<P>, raw: Record<string, unknown>, seed: number) {
  const params = v.parse(kernel.params, { ...raw, backend: "webgpu" });
  const available = await kernel.available!(params);
  expect(typeof available === "object" && available.device.api).toBe("webgpu");
  const inputs = seededInputs(kernel.shape(params), seed);
  return { params, inputs, instance: kernel.prepare(params, inputs) };
}

/** Runs the kernel twice and expects both calls to match the reference (and each other). */
async function expectMatchesReference<P>(
  kernel: KernelDefinition<P>,
  raw: Record<string, unknown>,
  layout: Layout,
  seed: number,
): Promise<void> {
  const { inputs, instance } = await prepare(kernel, raw, seed);
  expect(instance.asynchronous).toBe(true);
  const expected = reference(inputs, layout);
  await instance.run();
  const first = instance.output.slice();
  expect(worstError(instance.output, expected)).toBeLessThanOrEqual(TOLERANCE);
  await instance.run();
  expect(Array.from(instance.output)).toEqual(Array.from(first));
  instance.dispose!();
}

const single = (d: number, causal: boolean): Layout => ({ heads: 1, kv_heads: 1, head_dim: d, causal });

describe("the float64 reference of these tests", () => {
  test("is the project's attentionF64 (within 1e-12), grouped-query and causal", () => {
    const layout = { heads: 4, kv_heads: 2, head_dim: 3 };
    const inputs = seededInputs({ seq_len: 9, q_width: 12, kv_width: 6 }, 5);
    const ours = reference(inputs, { ...layout, causal: true }).out;
    const project = attentionF64(inputs, { ...layout, mask: causalMask });
    ours.forEach((value, i) => expect(Math.abs(value - project[i])).toBeLessThanOrEqual(1e-12));
  });
});

describe("softmax, backend webgpu, matches float64", () => {
  const shapes = [
    { seq_len: 1, d: 1, causal: true },
    { seq_len: 33, d: 17, causal: false },
    { seq_len: 65, d: 3, causal: true },
    { seq_len: 70, d: 70, causal: false },
  ];
  shapes.forEach((shape, seed) => {
    gpuTest(
      `n=${shape.seq_len} d=${shape.d} causal=${shape.causal}`,
      () => expectMatchesReference(softmax, shape, single(shape.d, shape.causal), seed),
    );
  });
});

describe("flash, backend webgpu, matches float64", () => {
  const shapes = [
    { seq_len: 7, d: 1, tile: 3, causal: false },
    { seq_len: 65, d: 17, tile: 16, causal: true },
    { seq_len: 33, d: 5, tile: 64, causal: true },
    { seq_len: 130, d: 8, tile: 7, causal: true },
  ];
  shapes.forEach((shape, seed) => {
    gpuTest(
      `n=${shape.seq_len} d=${shape.d} tile=${shape.tile} causal=${shape.causal}`,
      () => expectMatchesReference(flash, shape, single(shape.d, shape.causal), seed),
    );
  });
});

describe("multihead, backend webgpu, matches float64", () => {
  const layouts = [
    { seq_len: 33, heads: 3, kv_heads: 1, head_dim: 5, causal: true },
    { seq_len: 7, heads: 4, kv_heads: 2, head_dim: 3, causal: false },
    { seq_len: 67, heads: 6, kv_heads: 3, head_dim: 17, causal: true },
  ];
  layouts.forEach((layout, seed) => {
    const { seq_len, heads, kv_heads, head_dim, causal } = layout;
    gpuTest(
      `n=${seq_len} heads=${heads} kv_heads=${kv_heads} head_dim=${head_dim} causal=${causal}`,
      () => expectMatchesReference(multihead, layout, layout, seed),
    );
  });
});

describe("a webgpu instance", () => {
  gpuTest("each kernel passes the conformance harness (testing.ts) with backend webgpu", async () => {
    const points: [KernelDefinition<never>, Record<string, unknown>][] = [
      [softmax as KernelDefinition<never>, { seq_len: 5, d: 3, backend: "webgpu" }],
      [flash as KernelDefinition<never>, { seq_len: 5, d: 3, tile: 2, backend: "webgpu" }],
      [multihead as KernelDefinition<never>, {
        seq_len: 5,
        heads: 2,
        kv_heads: 1,
        head_dim: 3,
        backend: "webgpu",
      }],
    ];
    for (const [kernel, raw] of points) {
      const report = await checkKernel(kernel, raw);
      expect(report.problems).toEqual([]);
      expect(report.available).toBe(true);
    }
  });

  gpuTest("reports the device's time of a call: positive, at most the call's wall time", async () => {
    const { instance } = await prepare(softmax, { seq_len: 33, d: 8 }, 1);
    await instance.run(); // the first call also compiles the pipeline
    for (let call = 0; call < 3; call++) {
      const start = performance.now();
      await instance.run();
      const wallNs = (performance.now() - start) * 1e6;
      const deviceNs = instance.deviceTimeNs!();
      if (typeof availability === "object" && availability.device.timestamps) {
        expect(deviceNs).toBeGreaterThan(0);
        expect(deviceNs!).toBeLessThanOrEqual(wallNs);
      } else expect(deviceNs).toBeUndefined();
    }
    instance.dispose!();
  });

  gpuTest("load() replaces Q, K and V: the next call attends the new inputs", async () => {
    const raw = { seq_len: 21, heads: 2, kv_heads: 1, head_dim: 6, causal: true };
    const { params, instance } = await prepare(multihead, raw, 1);
    await instance.run();
    const before = instance.output.slice();
    const next = seededInputs(multihead.shape(params), 2);
    instance.load!(next);
    await instance.run();
    expect(worstError(instance.output, reference(next, raw))).toBeLessThanOrEqual(TOLERANCE);
    expect(Array.from(instance.output)).not.toEqual(Array.from(before));
    expect(() => instance.load!(seededInputs({ seq_len: 20, q_width: 12, kv_width: 6 }, 3))).toThrow(
      "multihead (backend webgpu): inputs of seq_len 20, q_width 12, kv_width 6; this instance was prepared for 21, 12, 6",
    );
    instance.dispose!();
  });

  gpuTest("refuses a call made before the previous one settled", async () => {
    const { instance } = await prepare(flash, { seq_len: 9, d: 4, tile: 4 }, 1);
    const first = instance.run();
    await expect(instance.run()).rejects.toThrow("run() called before the previous call settled");
    await first;
    instance.dispose!();
  });

  gpuTest("dispose() during a call lets the call finish with its output; later calls throw", async () => {
    const { instance, inputs } = await prepare(flash, { seq_len: 33, d: 8, tile: 8 }, 3);
    await instance.run();
    const pending = instance.run();
    instance.dispose!();
    await pending;
    const shape = { seq_len: 33, heads: 1, kv_heads: 1, head_dim: 8, causal: false };
    expect(worstError(instance.output, reference(inputs, shape))).toBeLessThanOrEqual(TOLERANCE);
    await expect(instance.run()).rejects.toThrow("run() after dispose()");
  });

  gpuTest(
    "makes its GPU objects in prepare and none per call; fails clearly once disposed or lost",
    async () => {
      // A device of its own: its methods are counted here, and it is lost at the end.
      const own = await openWebGpu() as WebGpu;
      const made = countCreations(own.device);
      const shape = { seq_len: 17, heads: 2, kv_heads: 2, head_dim: 4, causal: false };
      const inputs = seededInputs({ seq_len: 17, q_width: 8, kv_width: 8 }, 4);
      const instance = prepareWebGpuTiled("multihead", shape, inputs, own);
      const afterPrepare = made.count;
      expect(afterPrepare).toBeGreaterThan(0);
      for (let call = 0; call < 3; call++) await instance.run();
      expect(made.count).toBe(afterPrepare);
      expect(worstError(instance.output, reference(inputs, shape))).toBeLessThanOrEqual(TOLERANCE);

      const second = prepareWebGpuTiled("multihead", shape, inputs, own);
      second.dispose!();
      await expect(second.run()).rejects.toThrow("multihead (backend webgpu): run() after dispose()");

      own.device.destroy();
      await own.device.lost;
      await expect(instance.run()).rejects.toThrow("multihead (backend webgpu): the WebGPU device was lost");
    },
  );
});

/** Counts the calls to the device's methods that make GPU objects. */
function countCreations(device: GPUDevice): { count: number } {
  const made = { count: 0 };
  const methods = [
    "createBuffer",
    "createBindGroup",
    "createComputePipeline",
    "createShaderModule",
    "createQuerySet",
  ] as const;
  for (const name of methods) {
    const original = (device[name] as (...args: unknown[]) => unknown).bind(device);
    Object.defineProperty(device, name, {
      value: (...args: unknown[]) => {
        made.count++;
        return original(...args);
      },
    });
  }
  return made;
}

describe("shapes a device cannot run are refused with the limit", () => {
  gpuTest("flash: a K or V tile larger than workgroup memory names the tile that fits", async () => {
    const params = v.parse(flash.params, { seq_len: 4096, d: 64, tile: 4096, backend: "webgpu" });
    const limit = readyWebGpu("flash").device.limits.maxComputeWorkgroupStorageSize;
    const expected = `flash (backend webgpu): tile 4096 with d 64 needs 1048576 bytes of workgroup memory ` +
      `for a K or V tile (4 · keys · d); this device allows ${limit}: use a tile of at most ${limit / 256}`;
    expect(await flash.available!(params)).toBe(expected);
    expect(() => flash.prepare(params, seededInputs(flash.shape(params), 1))).toThrow(expected);
  });

  gpuTest("flash: a d too large for any tile names the largest d, with the tile it needs", async () => {
    const tooWide = v.parse(flash.params, { seq_len: 8, d: 1500, tile: 128, backend: "webgpu" });
    const reason = await flash.available!(tooWide);
    expect(reason).toMatch(/d can be at most (\d+) \(with tile 1\)$/);
    const largest = Number(/at most (\d+)/.exec(reason as string)![1]);
    const fits = v.parse(flash.params, { seq_len: 8, d: largest, tile: 1, backend: "webgpu" });
    expect(typeof await flash.available!(fits)).not.toBe("string");
  });

  gpuTest("softmax: a head size larger than workgroup memory names the largest d", async () => {
    const params = v.parse(softmax.params, { seq_len: 2, d: 100_000, backend: "webgpu" });
    const reason = await softmax.available!(params);
    expect(reason).toMatch(/^softmax \(backend webgpu\): d 100000 needs 400256 bytes of workgroup memory/);
    expect(reason).toMatch(/d can be at most \d+$/);
  });

  gpuTest("multihead: a head_dim beyond WGSL's private memory names the largest head_dim", async () => {
    const params = v.parse(multihead.params, { seq_len: 2, heads: 1, head_dim: 2000, backend: "webgpu" });
    expect(await multihead.available!(params)).toMatch(
      /^multihead \(backend webgpu\): head_dim 2000 needs \d+ bytes of (workgroup|private) memory.*can be at most \d+$/,
    );
  });
});

describe("availability", () => {
  gpuTest("webgpu names the device; js and wasm need none", async () => {
    const params = v.parse(softmax.params, { seq_len: 4, d: 2, backend: "webgpu" });
    const available = await softmax.available!(params);
    expect(available).toMatchObject({ available: true, device: { api: "webgpu" } });
    for (const backend of [undefined, "js", "wasm"]) {
      expect(await flash.available!(v.parse(flash.params, { seq_len: 4, d: 2, backend }))).toBe(true);
    }
  });

  test("mincut refuses backend webgpu, saying why it stays on js and wasm", () => {
    const result = v.safeParse(mincut.params, { seq_len: 4, d: 2, backend: "webgpu" });
    expect(result.success).toBe(false);
    expect(result.issues![0].message).toBe(
      '"js" or "wasm" for backend (mincut has no webgpu backend: its masks, edge counts and cut costs must ' +
        "equal the reference's exactly, which needs f32 logits summed in the reference's order, and WGSL lets " +
        "a GPU fuse multiply-adds and sum in any order)",
    );
    expect(v.safeParse(mincut.params, { seq_len: 4, d: 2, backend: "cuda" }).issues![0].message).toBe(
      '"js" or "wasm" for backend',
    );
  });

  test("on Bun without bun-webgpu, the reason names the package", async () => {
    const missing = (name: string) => Promise.reject(new Error(`Cannot find package '${name}'\n  at x`));
    expect(await findWebGpu({ name: "bun", version: "1.4.5" }, missing)).toBe(
      "no WebGPU on Bun 1.4.5: the optional package bun-webgpu could not be loaded " +
        "(Cannot find package 'bun-webgpu'); install it with `bun add bun-webgpu`",
    );
    expect(await findWebGpu({ name: "node", version: "20.20.2" }, missing)).toMatch(
      /^no WebGPU on Node 20\.20\.2: the optional package webgpu could not be loaded/,
    );
  });

  test("Dawn's null backend, or no adapter at all, is a reason, not a device", async () => {
    const nullAdapter = { info: { device: "null-backend", backendType: 1, description: "" } };
    const offering = (adapter: unknown) => () =>
      Promise.resolve({
        gpu: { requestAdapter: () => Promise.resolve(adapter) } as unknown as GPU,
        binding: "bun-webgpu",
        runtime: "Bun 1.4.5",
      });
    expect(await openWebGpu(offering(nullAdapter))).toMatch(
      /^no usable WebGPU adapter \(bun-webgpu, Bun 1\.4\.5\): Dawn offered only its null backend, .*Mesa ≥ 25/,
    );
    expect(await openWebGpu(offering(null))).toBe(
      "no WebGPU adapter: requestAdapter() returned null (bun-webgpu, Bun 1.4.5)",
    );
  });

  test("software adapters are marked as such, and bun-webgpu's coarse timestamps too", () => {
    const lavapipe = {
      vendor: "mesa",
      architecture: "software",
      device: "llvmpipe-llvm-15",
      description: "",
    };
    expect(describeAdapter(lavapipe as GPUAdapterInfo, "bun-webgpu", true)).toEqual({
      api: "webgpu",
      binding: "bun-webgpu",
      vendor: "mesa",
      architecture: "software",
      description: "llvmpipe-llvm-15",
      fallback_adapter: false,
      software: true,
      timestamps: true,
      timestamp_quantum_ns: 65_536,
    });
    const gpu = { vendor: "nvidia", architecture: "hopper", device: "", description: "NVIDIA H100" };
    const deno = describeAdapter(gpu as GPUAdapterInfo, "navigator.gpu (Deno)", true);
    expect([deno.software, deno.timestamp_quantum_ns]).toEqual([false, undefined]);
  });
});
