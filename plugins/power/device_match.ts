/**
 * Whether a power source measures the device a case's kernel runs on: RAPL meters the CPU package
 * (where the js and wasm backends run), NVML an NVIDIA GPU (where a `webgpu` kernel runs on an
 * NVIDIA adapter). A case measured by a source that does not see its device gets energy that is
 * not its kernel's; the power plugin warns before the run (docs/plugins.md, "Which source measures
 * which backend").
 *
 * @example
 * ```ts
 * import { deviceMismatches } from "./device_match.ts";
 * deviceMismatches("nvml", [{ kernel: "softmax", params: { backend: "wasm" } }]);
 * // ["source nvml measures an NVIDIA GPU, but 1 case runs on the CPU (softmax backend wasm): ..."]
 * ```
 * @module
 */
import type { PlannedCase } from "../../src/contracts.ts";

/** The device a backend runs on; kernels without a `backend` parameter run on the CPU. */
function deviceOf(c: PlannedCase): "cpu" | "gpu" {
  return c.params.backend === "webgpu" ? "gpu" : "cpu";
}

/** What each built-in hardware source measures; mocks and a user's own sources are not judged. */
const MEASURES: Record<string, "cpu" | "gpu"> = { rapl: "cpu", nvml: "gpu" };

/**
 * One warning per device that `source` does not measure, naming how many planned cases run there
 * and which kernels and backends they are; none for a mock or a source given by path or package.
 *
 * @example
 * ```ts
 * deviceMismatches("rapl", [{ kernel: "flash", params: { backend: "webgpu" } }]).length; // 1
 * deviceMismatches("mock", [{ kernel: "flash", params: { backend: "webgpu" } }]).length; // 0
 * ```
 */
export function deviceMismatches(source: string, cases: readonly PlannedCase[]): string[] {
  const measures = MEASURES[source];
  if (measures === undefined) return [];
  const elsewhere = cases.filter((c) => deviceOf(c) !== measures);
  if (elsewhere.length === 0) return [];
  const kinds = [...new Set(elsewhere.map((c) => `${c.kernel} backend ${c.params.backend ?? "js"}`))];
  const count = `${elsewhere.length} case${elsewhere.length === 1 ? " runs" : "s run"}`;
  return [
    measures === "gpu"
      ? `source nvml measures an NVIDIA GPU, but ${count} on the CPU (${kinds.join(", ")}): ` +
        `their energy is the GPU's idle draw, not the kernel's; use source rapl for CPU backends`
      : `source rapl measures the CPU package, but ${count} on a WebGPU device (${kinds.join(", ")}): ` +
        `their energy is the host's, not the GPU's (unless the adapter is a software one on this CPU); ` +
        `use source nvml on an NVIDIA GPU`,
  ];
}
