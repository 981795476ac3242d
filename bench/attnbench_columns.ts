/**
 * The columns of `bench/kernels.ts` for attnbench's own `softmax`, `flash` and `multihead` kernels:
 * one per backend the kernel's `backend` parameter accepts (`js`, `wasm`, `webgpu`), single head,
 * `n × d`. A column asks the kernel's `available` before it runs (a WebGPU kernel needs an adapter,
 * and may `prepare` only once `available` said yes) and keeps the device it was told of, so that
 * the bench can say which adapter a figure comes from.
 *
 * @example
 * ```ts
 * import { attnbenchColumns } from "./attnbench_columns.ts";
 * const gpu = attnbenchColumns(["webgpu"]); // softmax/webgpu, flash/webgpu, multihead/webgpu
 * for (const column of gpu) console.log(column.label, await column.detect());
 * ```
 * @module
 */
import * as v from "valibot";
import { type AttentionInputs, builtinKernels, type DeviceInfo, type KernelDefinition } from "../mod.ts";
import type { Group, InProcess, Instance } from "./peers/implementation.ts";

/**
 * A backend of attnbench's kernels.
 *
 * @example
 * ```ts
 * const backend: Backend = "webgpu";
 * ```
 */
export type Backend = "js" | "wasm" | "webgpu";

const KERNELS = ["softmax", "flash", "multihead"];
const GROUPS: Record<Backend, Group> = {
  js: "attnbench-js",
  wasm: "attnbench-wasm",
  webgpu: "attnbench-webgpu",
};
/** The shape a column's `detect` asks the kernel's `available` about. */
const PROBE = { n: 64, d: 64 };

/** Single-head attention over `n × d` inputs. */
interface Shape {
  n: number;
  d: number;
}

/** The raw parameters of kernel `name` for single-head `n × d`, on `backend` where it has one. */
function rawParams(
  kernel: KernelDefinition,
  shape: Shape,
  backend: Backend | undefined,
): Record<string, unknown> {
  const single = kernel.name === "multihead"
    ? { seq_len: shape.n, heads: 1, head_dim: shape.d, kv_heads: 1 }
    : { seq_len: shape.n, d: shape.d };
  return backend === undefined ? single : { ...single, backend };
}

/** One column: kernel `kernel` on `backend` (`undefined`: a kernel without a backend parameter). */
function column(kernel: KernelDefinition, backend: Backend | undefined): InProcess {
  let device: DeviceInfo | undefined;
  return {
    label: `${kernel.name}/${backend ?? "js"}`,
    group: GROUPS[backend ?? "js"],
    kind: "in-process",
    async detect(): Promise<true | string> {
      const parsed = v.safeParse(kernel.params, rawParams(kernel, PROBE, backend));
      if (!parsed.success) return `${kernel.name} has no ${backend} backend (${parsed.issues[0].message})`;
      const answer = await kernel.available?.(parsed.output);
      if (typeof answer === "string") return answer;
      if (typeof answer === "object") device = answer.device;
      return true;
    },
    device: () => device,
    async prepare(inputs: AttentionInputs): Promise<Instance> {
      const shape = { n: inputs.seq_len, d: inputs.q_width };
      const params = v.parse(kernel.params, rawParams(kernel, shape, backend));
      const answer = await kernel.available?.(params);
      if (typeof answer === "string") throw new Error(answer);
      const instance = kernel.prepare(params, inputs);
      return {
        run: () => instance.run(),
        output: () => instance.output,
        deviceTimeNs: instance.deviceTimeNs?.bind(instance),
        dispose: instance.dispose?.bind(instance),
      };
    },
  };
}

/**
 * Columns for attnbench's `softmax`, `flash` and `multihead` kernels on `backends`, kernel by
 * kernel; a kernel without a `backend` parameter gets one column for its only (JS)
 * implementation, where `backends` includes `js`. A backend a kernel's parameters reject still
 * gets its column, which `detect` then reports as unavailable, with valibot's reason.
 *
 * @example
 * ```ts
 * attnbenchColumns(["js", "wasm"]).map((c) => c.label); // ["softmax/js", "softmax/wasm", "flash/js", ...]
 * ```
 */
export function attnbenchColumns(backends: readonly Backend[]): InProcess[] {
  return KERNELS.flatMap((name) => {
    const kernel = builtinKernels[name];
    if ("backend" in kernel.params.entries) return backends.map((backend) => column(kernel, backend));
    return backends.includes("js") ? [column(kernel, undefined)] : [];
  });
}
