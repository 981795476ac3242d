/**
 * The `backend: "webgpu"` path of the `softmax`, `flash` and `multihead` kernels: checks that a
 * shape fits the device (workgroup and private memory, buffer sizes, dispatch size), plans the
 * shader and its buffers, and prepares a {@link WebGpuAttention}. `softmax` runs the dense shader
 * (`dense_shader.ts`, seq_len² weights in a storage buffer); `flash` and `multihead` run the tiled
 * online-softmax shader (`tiled_shader.ts`), `flash` with its `tile` as the key tile and
 * `multihead` with the largest key tile up to {@link MULTIHEAD_KEY_TILE} that fits. A shape that
 * does not fit is refused with what it needs, what the device allows and what would fit: by the
 * kernel's `available()` (the case is skipped) and by `prepare()` (it throws).
 *
 * @example
 * ```ts
 * import { prepareWebGpuSoftmax, webgpuAvailability, softmaxProblem } from "./attention.ts";
 * const shape = { seq_len: 33, d: 17, causal: true };
 * const availability = await webgpuAvailability("softmax", (limits) => softmaxProblem(shape, limits));
 * if (typeof availability === "object") {
 *   const kernel = prepareWebGpuSoftmax(shape, inputs, readyWebGpu("softmax"));
 *   await kernel.run();
 * }
 * ```
 * @module
 */
import type { AttentionInputs, KernelAvailability, KernelInstance } from "../../plugin_kit.ts";
import { denseShader, type DenseShaderShape, denseWorkgroupBytes } from "./dense_shader.ts";
import { gpuAvailability, readyWebGpu, type WebGpu } from "./device.ts";
import { WebGpuAttention } from "./instance.ts";
import {
  queryBlock,
  tiledPrivateBytes,
  tiledShader,
  type TiledShaderShape,
  tiledWorkgroupBytes,
} from "./tiled_shader.ts";

/**
 * Heads and sizes of a tiled call; `tile` is flash's key tile, absent for multihead.
 *
 * @example
 * ```ts
 * const flash: TiledShape = { seq_len: 512, heads: 1, kv_heads: 1, head_dim: 64, tile: 64, causal: true };
 * const gqa: TiledShape = { seq_len: 512, heads: 8, kv_heads: 2, head_dim: 64, causal: false };
 * ```
 */
export interface TiledShape {
  seq_len: number;
  heads: number;
  kv_heads: number;
  head_dim: number;
  tile?: number;
  causal: boolean;
}

/** The device limits a shape is checked against. */
type Limits = Pick<
  GPUSupportedLimits,
  | "maxComputeWorkgroupStorageSize"
  | "maxStorageBufferBindingSize"
  | "maxBufferSize"
  | "maxComputeWorkgroupsPerDimension"
>;

/** Keys a `multihead` tile takes at most. */
const MULTIHEAD_KEY_TILE = 64;
/** Bytes of function-scope variables a WGSL function may declare on every implementation. */
const WGSL_PRIVATE_BYTES = 8192;
const F32_BYTES = 4;

/**
 * Whether the WebGPU kernels can run here and this shape fits the device: the device, or the
 * reason (from {@link gpuAvailability}, or the shape's `problem`).
 *
 * @example
 * ```ts
 * await webgpuAvailability("softmax", (limits) => softmaxProblem({ seq_len: 64, d: 8, causal: false }, limits));
 * // { available: true, device: { api: "webgpu", ... } } or a reason
 * ```
 */
export async function webgpuAvailability(
  kernel: string,
  problem: (limits: Limits) => string | undefined,
): Promise<KernelAvailability> {
  const availability = await gpuAvailability();
  if (typeof availability !== "object") return availability;
  return problem(readyWebGpu(kernel).device.limits) ?? availability;
}

/**
 * Why the dense `softmax` shape cannot run on a device with these limits, or `undefined`.
 *
 * @example
 * ```ts
 * softmaxProblem({ seq_len: 8192, d: 64, causal: false }, device.limits);
 * // "softmax (backend webgpu): seq_len 8192 needs a weights buffer of 268435456 bytes ..."
 * ```
 */
export function softmaxProblem(shape: DenseShaderShape, limits: Limits): string | undefined {
  const where = "softmax (backend webgpu)";
  const { seq_len: n, d } = shape;
  const shared = denseWorkgroupBytes(d), sharedLimit = limits.maxComputeWorkgroupStorageSize;
  if (shared > sharedLimit) {
    const most = Math.floor(sharedLimit / F32_BYTES) - denseWorkgroupBytes(0) / F32_BYTES;
    return `${where}: d ${d} needs ${shared} bytes of workgroup memory (the query row and 64 reduction ` +
      `slots, 4 · (d + 64)); this device allows ${sharedLimit}: d can be at most ${most}`;
  }
  const bufferLimit = storageLimit(limits);
  if (F32_BYTES * n * n > bufferLimit) {
    return `${where}: seq_len ${n} needs a weights buffer of ${F32_BYTES * n * n} bytes (4 · seq_len²); ` +
      `this device binds at most ${bufferLimit} bytes: seq_len can be at most ${
        Math.floor(Math.sqrt(bufferLimit / F32_BYTES))
      }`;
  }
  return tensorProblem(where, n, d, d, limits) ?? dispatchProblem(where, n, 1, limits);
}

/**
 * Why a tiled (`flash` or `multihead`) shape cannot run on a device with these limits, or
 * `undefined`.
 *
 * @example
 * ```ts
 * tiledProblem("flash", { seq_len: 512, heads: 1, kv_heads: 1, head_dim: 128, tile: 128, causal: false }, limits);
 * // "flash (backend webgpu): tile 128 with d 128 needs 65536 bytes of workgroup memory ..."
 * ```
 */
export function tiledProblem(kernel: string, shape: TiledShape, limits: Limits): string | undefined {
  const where = `${kernel} (backend webgpu)`;
  const { seq_len: n, head_dim: d } = shape;
  const flash = shape.tile !== undefined;
  const clipped = flash && shape.tile! > n ? ` (${n} keys: seq_len)` : "";
  const sizes = flash ? `tile ${shape.tile}${clipped} with d ${d}` : `head_dim ${d}`;
  const tile = Math.max(1, keyTile(shape, limits)), sharedLimit = limits.maxComputeWorkgroupStorageSize;
  const shared = tiledWorkgroupBytes(tile, d), privateBytes = tiledPrivateBytes(tile, d);
  const dName = flash ? "d" : "head_dim";
  // With a tile of one key: one row of workgroup memory, and 2 · d + 1 floats of private memory.
  const largestD = Math.min(Math.floor(sharedLimit / F32_BYTES), (WGSL_PRIVATE_BYTES / F32_BYTES - 1) >> 1);
  if (shared > sharedLimit) {
    const fits = Math.min(Math.floor(sharedLimit / (F32_BYTES * d)), WGSL_PRIVATE_BYTES / F32_BYTES - 2 * d);
    return `${where}: ${sizes} needs ${shared} bytes of workgroup memory for a K or V tile ` +
      `(4 · keys · ${dName}); this device allows ${sharedLimit}: ` +
      (flash && fits >= 1
        ? `use a tile of at most ${fits}`
        : `${dName} can be at most ${largestD}${flash ? " (with tile 1)" : ""}`);
  }
  if (privateBytes > WGSL_PRIVATE_BYTES) {
    return `${where}: ${sizes} needs ${privateBytes} bytes of private memory per invocation (its query row, ` +
      `accumulator and a tile's scores, 4 · (2 · ${dName} + keys)); WGSL promises ${WGSL_PRIVATE_BYTES}: ` +
      (flash && d <= largestD
        ? `use 2 · d + tile ≤ ${WGSL_PRIVATE_BYTES / F32_BYTES}`
        : `${dName} can be at most ${largestD}${flash ? " (with tile 1)" : ""}`);
  }
  const blocks = Math.ceil(n / queryBlock(n));
  return tensorProblem(where, n, shape.heads * d, shape.kv_heads * d, limits) ??
    dispatchProblem(where, blocks, shape.heads, limits);
}

/**
 * The WebGPU `softmax`: dense, weights materialised. Throws the {@link softmaxProblem} when the
 * shape does not fit the device.
 *
 * @example
 * ```ts
 * const kernel = prepareWebGpuSoftmax({ seq_len: 7, d: 3, causal: false }, inputs, readyWebGpu("softmax"));
 * await kernel.run();
 * ```
 */
export function prepareWebGpuSoftmax(
  shape: DenseShaderShape,
  inputs: AttentionInputs,
  gpu: WebGpu,
): KernelInstance {
  const problem = softmaxProblem(shape, gpu.device.limits);
  if (problem) throw new RangeError(problem);
  const { seq_len: n, d } = shape;
  return new WebGpuAttention(gpu, {
    kernel: "softmax",
    code: denseShader(shape),
    scratch_bytes: [F32_BYTES * n * n],
    workgroups: [n, 1],
    seq_len: n,
    q_width: d,
    kv_width: d,
  }, inputs);
}

/**
 * The WebGPU `flash` (one head, `tile` keys a tile) or `multihead` (grouped-query heads). Throws
 * the {@link tiledProblem} when the shape does not fit the device.
 *
 * @example
 * ```ts
 * const shape = { seq_len: 65, heads: 3, kv_heads: 1, head_dim: 5, causal: true };
 * const kernel = prepareWebGpuTiled("multihead", shape, inputs, readyWebGpu("multihead"));
 * await kernel.run();
 * ```
 */
export function prepareWebGpuTiled(
  kernel: string,
  shape: TiledShape,
  inputs: AttentionInputs,
  gpu: WebGpu,
): KernelInstance {
  const limits = gpu.device.limits;
  const problem = tiledProblem(kernel, shape, limits);
  if (problem) throw new RangeError(problem);
  const { seq_len: n, heads, kv_heads, head_dim } = shape;
  const shader: TiledShaderShape = {
    seq_len: n,
    heads,
    kv_heads,
    head_dim,
    key_tile: keyTile(shape, limits),
    causal: shape.causal,
  };
  return new WebGpuAttention(gpu, {
    kernel,
    code: tiledShader(shader),
    scratch_bytes: [],
    workgroups: [Math.ceil(n / queryBlock(n)), heads],
    seq_len: n,
    q_width: heads * head_dim,
    kv_width: kv_heads * head_dim,
  }, inputs);
}

/**
 * Device memory a WebGPU call uses beyond Q, K, V and the output: the weights (`softmax` only,
 * pass `dense`) and the host-readable staging copy of the output. The 32 bytes of timestamp
 * buffers (present only with `timestamp-query`) and the workgroup memory (on chip) are not counted.
 *
 * @example
 * ```ts
 * webgpuScratchBytes(512, 64, true); // 4·512² + 4·512·64 = 1179648
 * ```
 */
export function webgpuScratchBytes(seqLen: number, qWidth: number, dense: boolean): number {
  return F32_BYTES * ((dense ? seqLen * seqLen : 0) + seqLen * qWidth);
}

/**
 * The key tile: flash's `tile` (the sequence length when shorter); for multihead the largest up
 * to {@link MULTIHEAD_KEY_TILE} that fits workgroup and private memory (0 when none does).
 */
function keyTile(shape: TiledShape, limits: Limits): number {
  if (shape.tile !== undefined) return Math.min(shape.tile, shape.seq_len);
  const d = shape.head_dim;
  const sharedFit = Math.floor(limits.maxComputeWorkgroupStorageSize / (F32_BYTES * d));
  const privateFit = WGSL_PRIVATE_BYTES / F32_BYTES - 2 * d;
  return Math.max(0, Math.min(MULTIHEAD_KEY_TILE, shape.seq_len, sharedFit, privateFit));
}

/** The largest storage buffer the device can make and bind. */
function storageLimit(limits: Limits): number {
  return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
}

/** Why Q (`seq_len × qWidth`) or K/V (`seq_len × kvWidth`) is too large a buffer, or `undefined`. */
function tensorProblem(where: string, n: number, qWidth: number, kvWidth: number, limits: Limits) {
  const bytes = F32_BYTES * n * Math.max(qWidth, kvWidth), most = storageLimit(limits);
  return bytes > most
    ? `${where}: seq_len ${n} × ${
      Math.max(qWidth, kvWidth)
    } values a token needs buffers of ${bytes} bytes; ` +
      `this device binds at most ${most} bytes`
    : undefined;
}

/** Why `x × y` workgroups cannot be dispatched, or `undefined`. */
function dispatchProblem(where: string, x: number, y: number, limits: Limits) {
  const most = limits.maxComputeWorkgroupsPerDimension;
  return x > most || y > most
    ? `${where}: needs ${x} × ${y} workgroups; this device dispatches at most ${most} a dimension`
    : undefined;
}
