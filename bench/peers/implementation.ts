/**
 * The contract every column of `bench/kernels.ts` fills: attnbench's kernels, the naive floor,
 * the npm peers and the OpenBLAS roofline. An implementation either runs in this process (the bench
 * times its `run()` with mitata) or in a subprocess that times itself (the C roofline). Also the
 * loader for the peer packages, which live in `bench/peers/node_modules`, outside the library's
 * own dependencies.
 *
 * @example
 * ```ts
 * import type { Implementation } from "./implementation.ts";
 * const zeros: Implementation = {
 *   label: "zeros", group: "peer-wasm", kind: "in-process",
 *   detect: () => Promise.resolve(true),
 *   prepare: (inputs) => {
 *     const output = new Float32Array(inputs.q.length);
 *     return Promise.resolve({ run: () => output.fill(0), output: () => output });
 *   },
 * };
 * ```
 * @module
 */
import { createRequire } from "node:module";
import type { AttentionInputs, DeviceInfo } from "../../mod.ts";

/**
 * Where a column belongs in the ratios: attnbench's own kernels (per backend), the naive floor,
 * a JS/WASM peer, a native peer, a WebGPU peer, or the roofline.
 *
 * @example
 * ```ts
 * const group: Group = "peer-wasm"; // onnxruntime-web, tfjs-wasm
 * ```
 */
export type Group =
  | "attnbench-js"
  | "attnbench-wasm"
  | "attnbench-webgpu"
  | "floor"
  | "peer-wasm"
  | "peer-native"
  | "peer-webgpu"
  | "roofline";

/**
 * A prepared in-process implementation: inputs bound and buffers allocated.
 *
 * @example
 * ```ts
 * const instance: Instance = await naive.prepare(inputs);
 * await instance.run();
 * instance.output(); // Float32Array(n · d)
 * ```
 */
export interface Instance {
  /** One attention call over the bound Q, K, V (the timed hot path). */
  run(): void | Promise<void>;
  /** The `n × d` result of the last `run()`. */
  output(): Float32Array;
  /** Frees native, WASM or GPU memory; called once the cell is measured. */
  dispose?(): void | Promise<void>;
  /** The last `run()`'s time on the device by the device's own clock, in ns, where it has one. */
  deviceTimeNs?(): number | undefined;
}

/**
 * How long a self-timed implementation measures: the same budget mitata gets in process.
 *
 * @example
 * ```ts
 * const budget: SelfTimedBudget = { warmup_calls: 10, min_samples: 3, max_samples: 2000, min_time_ms: 133 };
 * ```
 */
export interface SelfTimedBudget {
  /** Untimed calls before the first sample. */
  warmup_calls: number;
  min_samples: number;
  max_samples: number;
  /** Keep sampling until this much time has been measured (and `min_samples` taken). */
  min_time_ms: number;
}

/**
 * What a self-timed implementation reports.
 *
 * @example
 * ```ts
 * const { samples_ns, output }: SelfTimed = await openblas.measure(inputs, budget);
 * ```
 */
export interface SelfTimed {
  /** Time per call of each sample, in nanoseconds. */
  samples_ns: number[];
  /** The `n × d` result of its last call. */
  output: Float32Array;
}

interface Common {
  /** Column header. */
  label: string;
  group: Group;
  /** `true` where it can run under this runtime on this machine, otherwise the reason it cannot. */
  detect(): Promise<true | string>;
  /** The WebGPU device a WebGPU column runs on, once `detect` said it can run and named it. */
  device?(): DeviceInfo | undefined;
  /** Releases what the implementation holds for the whole run (temporary files); called once at the end. */
  close?(): Promise<void>;
}

/**
 * An implementation the bench times in this process.
 *
 * @example
 * ```ts
 * const copy: InProcess = {
 *   label: "copy-v", group: "peer-wasm", kind: "in-process", detect: () => Promise.resolve(true),
 *   prepare: (inputs) => Promise.resolve({ run: () => {}, output: () => inputs.v }),
 * };
 * ```
 */
export interface InProcess extends Common {
  kind: "in-process";
  /** Binds `inputs` (`seq_len × d`, single head) and allocates everything `run()` needs. */
  prepare(inputs: AttentionInputs): Promise<Instance>;
}

/**
 * An implementation that runs elsewhere and reports its own timings.
 *
 * @example
 * ```ts
 * const external: External = openblas; // a C subprocess
 * ```
 */
export interface External extends Common {
  kind: "external";
  measure(inputs: AttentionInputs, budget: SelfTimedBudget): Promise<SelfTimed>;
}

/**
 * One column of the bench.
 *
 * @example
 * ```ts
 * const columns: Implementation[] = [naive, ruvector, openblas];
 * ```
 */
export type Implementation = InProcess | External;

const peersRequire = createRequire(new URL("./package.json", import.meta.url));

/**
 * Loads a package installed in `bench/peers/node_modules` with `require` (its CommonJS or Node
 * build), which Deno, Bun and Node all accept for packages outside the project's own
 * `node_modules`. Throws the runtime's own error when the package is missing or cannot load.
 *
 * @example
 * ```ts
 * const ort = requirePeer<{ env: unknown }>("onnxruntime-node");
 * ```
 */
export function requirePeer<T>(name: string): T {
  return peersRequire(name) as T;
}

/**
 * The first line of an error's message, for a one-line "skipped: ..." reason.
 *
 * @example
 * ```ts
 * firstLine(new Error("Cannot find module\nRequire stack: ...")); // "Cannot find module"
 * ```
 */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0].trim();
}

/**
 * The reason an npm peer cannot load here (the package missing from `bench/peers/node_modules`,
 * or its own error), or `true` when it loads.
 *
 * @example
 * ```ts
 * await detectPeer("@ruvector/attention"); // true, or "cannot load @ruvector/attention: ..."
 * ```
 */
export function detectPeer(name: string): Promise<true | string> {
  try {
    requirePeer(name);
    return Promise.resolve(true);
  } catch (error) {
    const missing = (error as { code?: string }).code === "MODULE_NOT_FOUND" &&
      firstLine(error).includes(name);
    return Promise.resolve(
      missing
        ? `${name} is not installed (cd bench/peers && ONNXRUNTIME_NODE_INSTALL=skip npm install)`
        : `cannot load ${name}: ${firstLine(error)}`,
    );
  }
}
