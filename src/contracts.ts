/**
 * The public contracts between the runner, kernels and profiler plugins. Built-ins use exactly
 * these, so a third-party kernel or plugin has the same powers as ours.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { defineKernel, defineProfiler } from "./contracts.ts";
 *
 * const copy = defineKernel({
 *   name: "copy", version: "1",
 *   params: v.object({ seq_len: v.number(), d: v.number() }),
 *   shape: (p) => ({ seq_len: p.seq_len, q_width: p.d, kv_width: p.d }),
 *   prepare: (_p, inputs) => {
 *     const output = new Float32Array(inputs.v.length);
 *     return { output, run: () => output.set(inputs.v) };
 *   },
 * });
 *
 * const calls = defineProfiler({
 *   name: "calls", apiVersion: 1,
 *   create: () => ({ stop: (_ctx, m) => ({ total: m.total_calls }) }),
 * });
 * ```
 * @module
 */
import type * as v from "valibot";
import type { RuntimeInfo } from "./runtime.ts";

/** Where a kernel or plugin came from: built in, a path relative to the spec, or an installed package. */
export type Origin = "builtin" | "path" | "package";

/** A value or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** One cell of a CSV row or one metric value: plain JSON scalars only. */
export type MetricValue = number | string | boolean | null;

/** A flat record of metrics; each key becomes a `results.csv` column prefixed with the plugin name. */
export type Metrics = Record<string, MetricValue>;

/** Row-major Q, K, V for one case, generated deterministically from the spec's seed. */
export interface AttentionInputs {
  /** `seq_len × q_width`, row-major (token-major). */
  q: Float32Array;
  /** `seq_len × kv_width`, row-major. */
  k: Float32Array;
  /** `seq_len × kv_width`, row-major. */
  v: Float32Array;
  seq_len: number;
  q_width: number;
  kv_width: number;
}

/** The shape of the inputs a kernel needs for a parameter point. */
export interface InputShape {
  seq_len: number;
  /** Values per token in Q (heads × head_dim for multi-head kernels). */
  q_width: number;
  /** Values per token in K and V (kv_heads × head_dim with grouped-query attention). */
  kv_width: number;
}

/** Analytic memory of one kernel call, in bytes. */
export interface KernelMemory {
  kv_cache_bytes: number;
  activation_bytes: number;
  temp_buffer_bytes: number;
}

/**
 * A prepared kernel: everything allocated, ready to be called in the timed loop.
 *
 * A kernel that works asynchronously (a GPU kernel) returns a promise from `run()` and says so
 * with `asynchronous: true`; the runner then awaits every call, in the timed loop too, so a call's
 * time runs from the call to the promise settling (for the WebGPU kernels: encode, submit, the
 * device's work and the copy of `output` back to host memory, docs/webgpu.md). Such a kernel may
 * also report what the device's own clock measured with `deviceTimeNs()`.
 *
 * @example
 * ```ts
 * const instance: KernelInstance = {
 *   output: new Float32Array(4),
 *   asynchronous: true,
 *   run: async () => {},
 *   deviceTimeNs: () => 1500, // the last call took 1.5 µs on the device
 * };
 * ```
 */
export interface KernelInstance {
  /**
   * The hot path. Must not allocate (beyond the promise and the per-submit objects an
   * asynchronous API requires). Returns a promise only when `asynchronous` is true.
   */
  run(): void | Promise<void>;
  /** `run()` returns a promise that the runner must await before the next call. */
  readonly asynchronous?: boolean;
  /**
   * Time the last `run()` took on the device by the device's own clock (GPU timestamp queries), in
   * nanoseconds; `undefined` when the device cannot time itself. Written as `kernel_time_us`.
   */
  deviceTimeNs?(): number | undefined;
  /** Releases what the instance holds outside the JS heap (GPU buffers); called once it is done with. */
  dispose?(): void;
  /** Where `run()` writes its result (`seq_len × q_width`). */
  readonly output: Float32Array;
  /**
   * Replaces Q, K, V with new values of the same shape, keeping any state between calls; used
   * between evaluation samples. Without it the runner prepares a new instance per sample.
   */
  load?(inputs: AttentionInputs): void;
  /** Per-call statistics of the last `run()` (e.g. edges_kept), read only when asked for. */
  stats?(): Record<string, number>;
}

/** Schema of a kernel's parameters: a valibot object schema, whose entries name the parameters. */
// deno-lint-ignore no-explicit-any
export type ParamsSchema<P> = v.GenericSchema<any, P> & { readonly entries: Record<string, unknown> };

/** A kernel: pure workload that knows its maths and its memory, and nothing about profilers. */
export interface KernelDefinition<P = Record<string, unknown>> {
  name: string;
  /** Bumped whenever results could change; part of every config hash. */
  version: string;
  description?: string;
  /** Parameters with their defaults; unknown parameters in a spec are an error. */
  params: ParamsSchema<P>;
  /** Input shape for a parameter point. */
  shape(params: P): InputShape;
  /** Floating-point operations of one call, for GFLOP/s. */
  flops?(params: P): number;
  /** Analytic bytes of one call. */
  memory?(params: P): KernelMemory;
  /**
   * Whether a parameter point can run here, asked once per case before `prepare` (e.g. whether a
   * WebGPU adapter exists): `true`, the reason it cannot (the case is then `skipped` with that
   * reason and the run goes on), or `true` with the device it will run on, for the manifest.
   * Without it every point can run.
   */
  available?(params: P): Awaitable<KernelAvailability>;
  /** Allocate everything the hot path needs. Throw to reject a parameter point. */
  prepare(params: P, inputs: AttentionInputs): KernelInstance;
}

/**
 * The device a kernel runs on, as the manifest records it (`devices`): the API and what the
 * adapter says of itself.
 *
 * @example
 * ```ts
 * const lavapipe: DeviceInfo = {
 *   api: "webgpu", binding: "navigator.gpu (Deno)", vendor: "mesa", architecture: "",
 *   description: "llvmpipe (LLVM 15.0.6, 256 bits)", fallback_adapter: true, software: true, timestamps: true,
 * };
 * ```
 */
export interface DeviceInfo {
  api: "webgpu";
  /** Where the API came from: `navigator.gpu (Deno)`, `bun-webgpu`, `webgpu (Node)`. */
  binding: string;
  vendor: string;
  architecture: string;
  description: string;
  /** The adapter said it is a fallback adapter. */
  fallback_adapter: boolean;
  /** A software rasteriser (lavapipe/llvmpipe, SwiftShader, WARP): its timings say nothing about a GPU. */
  software: boolean;
  /** The device supports `timestamp-query`, so `kernel_time_us` is the device's own time. */
  timestamps: boolean;
  /**
   * The step of those timestamps where the binding coarsens them (bun-webgpu: Dawn's 65 536 ns,
   * which it cannot switch off), in ns: a device time is then a whole number of steps, and a call
   * shorter than one reads 0. Absent where timestamps are exact.
   */
  timestamp_quantum_ns?: number;
}

/**
 * What a kernel's `available` answers: `true`, the reason the point cannot run here, or usable on
 * a device the manifest should name.
 *
 * @example
 * ```ts
 * const none: KernelAvailability = "no WebGPU adapter: navigator.gpu.requestAdapter() returned null (Deno 2.9.5)";
 * ```
 */
export type KernelAvailability = true | string | { available: true; device: DeviceInfo };

/** A case as planned, before it runs: its kernel and its resolved parameters. */
export interface PlannedCase {
  kernel: string;
  params: Record<string, unknown>;
}

/** What a profiler is told when it is created. */
export interface HostContext {
  env: RuntimeInfo;
  /** Absolute path of the results directory. */
  outputDir: string;
  /** Absolute folder of the spec file: relative paths in a plugin's options resolve from here. */
  specDir: string;
}

/** What a profiler is told before the first case and after the last. */
export interface RunContext extends HostContext {
  /** Number of cases in this run. */
  cases: number;
  /**
   * Writes a file under the results folder atomically (temporary name, then rename) and lists it
   * in manifest.json; `relative` uses `/` separators, e.g. `witness/bundle.json`.
   */
  writeFile(relative: string, data: string): Promise<void>;
}

/** The case being measured. */
export interface CaseInfo {
  index: number;
  total: number;
  config_hash: string;
  /** `kernel` for the spec's kernel, `baseline` for its baseline. */
  role: "kernel" | "baseline";
  kernel: { name: string; version: string };
  /** The resolved parameter point (defaults filled in). */
  params: Record<string, unknown>;
  shape: InputShape;
  /** Analytic figures of the kernel at this point, where it declares them. */
  analytic: { flops?: number; memory?: KernelMemory };
  /** Cases with the same key ran on the same Q, K, V (e.g. a kernel and its baseline). */
  inputs_key: string;
  /**
   * For a kernel case when the spec has a baseline: the config hash of the baseline case to
   * compare it with — the one made from the same grid point, so the same inputs and the same
   * value of every parameter both kernels take (`backend`, `causal`, `d`, ...). Absent otherwise.
   */
  baseline_hash?: string;
}

/** What a profiler sees around a measured case. */
export interface CaseContext extends RunContext {
  case: CaseInfo;
  /** The prepared kernel: plugins may read `output` or `stats()` outside the timed window. */
  instance: KernelInstance;
  /** The case's inputs (shared between cases with the same `inputs_key`; do not modify). */
  inputs: AttentionInputs;
}

/**
 * One evaluation sample of a case: the kernel run once, outside the timed loop, on the sample's own
 * inputs (sample 0 uses the case's inputs, sample i the spec's seed + i). Samples run before the
 * timed window, on one fresh instance in order, so per-call state (e.g. hysteresis) carries from
 * sample to sample exactly as it would on a second machine.
 */
export interface Sample {
  index: number;
  /** Seed the sample's inputs were generated with. */
  seed: number;
  inputs: AttentionInputs;
  /** The instance that ran the sample; `output` and `stats()` describe this sample. */
  instance: KernelInstance;
  /** Wall time of this one call, in microseconds (performance.now). */
  wall_time_us: number;
  /**
   * `true` when a finished case's samples are replayed to rebuild state kept across cases, in a
   * fresh worker process after a crash or when a run is resumed: no timed window follows, and
   * the case's tables and metrics are already written.
   */
  replay: boolean;
}

/** A finished case, as the `report` hook sees it. */
export interface CaseOutcome {
  info: CaseInfo;
  /** `skipped`: the kernel could not run here (`error` says why). */
  status: "ok" | "failed" | "skipped";
  error?: string;
  /** Metrics of each plugin, by plugin name. */
  metrics: Record<string, Metrics>;
  /** The per-case tables every plugin produced. */
  tables: Table[];
}

/** Timing of one case's timed loop (src/measure/sampler.ts states its budget rules). */
export interface Measurement {
  /** Time per call of each sample in nanoseconds, ascending (none dropped). */
  samples_ns: number[];
  /**
   * The device's own time per call of the same samples, in the same order as `samples_ns`, when
   * the kernel reports it (`KernelInstance.deviceTimeNs`); absent otherwise.
   */
  kernel_samples_ns?: number[];
  /** Calls averaged into each sample: 1, or a ≈ 1 ms batch for calls of at most 65.5 µs. */
  calls_per_sample: number;
  /** Total calls made in the timed loop. */
  total_calls: number;
  /** Wall-clock duration of the timed loop in milliseconds. */
  duration_ms: number;
  /** Untimed warm-up calls before the loop (0 with `warmup: 0`). */
  warmup_calls: number;
  /** Wall time of the warm-up, ms. */
  warmup_ms: number;
  /** `min_samples` kept the loop going more than one sample past `max_time_ms`. */
  over_budget: boolean;
}

/** Rows a plugin contributes per case; written to `<name>/<config_hash>.csv`. */
export interface Table {
  name: string;
  columns: string[];
  rows: MetricValue[][];
}

/** The hooks of a created profiler; the host handles order, errors and availability. */
export interface ProfilerInstance<S extends Metrics = Metrics> {
  setup?(ctx: RunContext): Awaitable<void>;
  start?(ctx: CaseContext): Awaitable<void>;
  /** Called after the timed window with its measurement; returns the case's metrics. */
  stop(ctx: CaseContext, measurement: Measurement): Awaitable<S>;
  /**
   * Called for each evaluation sample, before the case's timed window. Declaring it makes the
   * runner evaluate `inputs.samples` samples per case (sample 0 alone when the spec sets none).
   */
  sample?(ctx: CaseContext, sample: Sample): Awaitable<void>;
  /** Per-case rows (the host adds `config_hash` to each). */
  tables?(ctx: CaseContext): Table[];
  /** After the last case: may write files with `ctx.writeFile`; returned text is shown to the user. */
  report?(ctx: RunContext, cases: CaseOutcome[]): Awaitable<string | void>;
  /** Always runs, in reverse order of setup, even after a failure. */
  teardown?(ctx: RunContext): Awaitable<void>;
}

/**
 * What a plugin's `detect` answers: `true` when it can run here, the reason when it cannot (it is
 * then skipped), or usable with a note the manifest records as its status reason (e.g. that a
 * fallback is measuring because the primary meter is missing, and why).
 *
 * @example
 * ```ts
 * const detect = (): Availability =>
 *   fs.existsSync("/dev/frob") ? true : { available: true, note: "no /dev/frob; estimating instead" };
 * ```
 */
export type Availability = true | string | { available: true; note: string };

/**
 * One metric a profiler's `stop` returns, as results.csv writes it: its type (a `double` is
 * always written with a decimal point, so `1` and `0.5` never give a column two types), its unit
 * and what it means. Declared metrics become columns whether or not a case has a value, so
 * every run of a spec has the same header; `results.csv-metadata.json` repeats the declaration.
 *
 * @example
 * ```ts
 * const metrics = { cpu_us: { type: "double", unit: "us", description: "CPU time per call" } } satisfies Record<string, MetricDescription>;
 * ```
 */
export interface MetricDescription {
  type: "integer" | "double" | "boolean" | "string";
  unit?: string;
  description: string;
}

/** A profiler plugin: observes measured windows. */
export interface ProfilerDefinition<O = Record<string, unknown>, S extends Metrics = Metrics> {
  name: string;
  /** The contract version this plugin was written against. Only 1 exists. */
  apiVersion: 1;
  description?: string;
  /**
   * The metrics `stop` may return, in column order. When given, a metric it does not list or of
   * another type fails the case (with `strict`, the run); when absent, columns follow the metrics
   * seen, sorted, numbers typed as doubles.
   */
  metrics?: Record<string, MetricDescription>;
  /**
   * Checks of the (validated) options that need the spec's folder, such as a path that must
   * exist: the problem in words, or nothing. Called wherever the spec is loaded (`validate`,
   * `--dry-run`, a run), so a wrong path is a located mistake (exit 2) before anything runs.
   */
  checkOptions?(options: O, ctx: { specDir: string }): string | undefined;
  /**
   * Warnings about the planned cases this plugin will observe with these options, each one line
   * (e.g. a power source that does not measure the device a case's kernel runs on). They are
   * printed before the run and kept in manifest.json's `warnings`; nothing stops.
   *
   * @example
   * ```ts
   * checkCases: (opts, cases) => cases.some((c) => c.params.backend === "webgpu") ? ["rapl does not see the GPU"] : [],
   * ```
   */
  checkCases?(options: O, cases: readonly PlannedCase[]): string[];
  /** Options schema (valibot); the YAML `{ name: { ...options } }` is validated against it. */
  // deno-lint-ignore no-explicit-any
  options?: v.GenericSchema<any, O>;
  /**
   * Whether the plugin can run here with these (validated) options: `true`, the reason it cannot
   * (the plugin is then skipped), or usable with a note for the manifest.
   */
  detect?(env: RuntimeInfo, options: O, ctx: HostContext): Awaitable<Availability>;
  create(options: O, ctx: HostContext): ProfilerInstance<S>;
}

/**
 * Identity helper that gives a kernel definition its inferred types.
 *
 * @example
 * ```ts
 * export default defineKernel({ name: "noop", version: "1", params, shape, prepare });
 * ```
 */
export function defineKernel<P>(kernel: KernelDefinition<P>): KernelDefinition<P> {
  return kernel;
}

/**
 * Identity helper that gives a profiler definition its inferred types.
 *
 * @example
 * ```ts
 * export default defineProfiler({ name: "calls", apiVersion: 1, create: () => ({ stop: () => ({}) }) });
 * ```
 */
export function defineProfiler<O, S extends Metrics>(
  profiler: ProfilerDefinition<O, S>,
): ProfilerDefinition<O, S> {
  return profiler;
}
