/**
 * What a WebGPU adapter says of itself, as the manifest records it ({@link DeviceInfo}), and the
 * adapters that cannot be used: Dawn's null backend, which Dawn (bun-webgpu, webgpu) hands out
 * when no real backend starts (e.g. its Vulkan backend on Debian's stock Mesa 22.3) and whose
 * compute results are garbage.
 *
 * @example
 * ```ts
 * import { describeAdapter, nullBackendProblem } from "./adapter_info.ts";
 * const adapter = (await navigator.gpu.requestAdapter())!;
 * nullBackendProblem(adapter.info); // undefined on a real adapter
 * describeAdapter(adapter.info, "navigator.gpu (Deno)", true).software; // true on lavapipe
 * ```
 * @module
 */
import type { DeviceInfo } from "../../plugin_kit.ts";
import { TIMESTAMP_QUANTUM_NS } from "./binding.ts";

/** Dawn's `WGPUBackendType_Null`, which bun-webgpu passes on as `info.backendType`. */
const DAWN_NULL_BACKEND = 1;
/** Dawn's `WGPUAdapterType_CPU`, which bun-webgpu passes on as `info.adapterType`. */
const DAWN_CPU_ADAPTER = 3;
/** Software rasterisers by the names they give: Mesa's llvmpipe/lavapipe, SwiftShader, Microsoft's WARP. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|microsoft basic render|\bwarp\b/i;

/** Adapter info as the bindings give it: the standard fields, and Dawn's extras where present. */
type AdapterInfo = GPUAdapterInfo & { backendType?: unknown; adapterType?: unknown };

/**
 * Why an adapter must not be used, or `undefined` when it may: Dawn's null backend computes
 * nothing (its results are whatever the buffers held).
 *
 * @example
 * ```ts
 * nullBackendProblem({ device: "null-backend" } as GPUAdapterInfo); // "...null backend..."
 * ```
 */
export function nullBackendProblem(info: GPUAdapterInfo): string | undefined {
  const { device, backendType } = info as AdapterInfo;
  if (device !== "null-backend" && backendType !== DAWN_NULL_BACKEND) return undefined;
  return "Dawn offered only its null backend, which computes nothing; Dawn's Vulkan backend did not start. " +
    "Without a GPU it needs Mesa ≥ 25's lavapipe (Debian bookworm-backports: mesa-vulkan-drivers); " +
    "Mesa 22.3's lavapipe gives this null backend";
}

/**
 * The adapter as the manifest records it. `software` is true for an adapter that calls itself a
 * fallback adapter, a CPU adapter (Dawn), one whose architecture is `software`, or one named as a
 * software rasteriser (llvmpipe/lavapipe, SwiftShader, WARP).
 *
 * @example
 * ```ts
 * describeAdapter(adapter.info, "bun-webgpu", true);
 * // { api: "webgpu", binding: "bun-webgpu", vendor: "mesa", architecture: "software", ..., software: true }
 * ```
 */
export function describeAdapter(info: GPUAdapterInfo, binding: string, timestamps: boolean): DeviceInfo {
  const extra = info as AdapterInfo;
  const fallback = readFallback(info);
  const names = `${info.description ?? ""} ${info.device ?? ""}`;
  return {
    api: "webgpu",
    binding,
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    description: info.description || info.device || "",
    fallback_adapter: fallback,
    software: fallback || extra.adapterType === DAWN_CPU_ADAPTER || info.architecture === "software" ||
      SOFTWARE_NAMES.test(names),
    timestamps,
    ...(timestamps && TIMESTAMP_QUANTUM_NS[binding]
      ? { timestamp_quantum_ns: TIMESTAMP_QUANTUM_NS[binding] }
      : {}),
  };
}

/** `info.isFallbackAdapter`, false where a binding lacks it or throws on reading it. */
function readFallback(info: GPUAdapterInfo): boolean {
  try {
    return (info as { isFallbackAdapter?: unknown }).isFallbackAdapter === true;
  } catch {
    return false;
  }
}
