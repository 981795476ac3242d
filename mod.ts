/**
 * attnbench public API: define kernels and profiler plugins, load and run specs.
 *
 * @example
 * ```ts
 * import { defineProfiler, runSpec } from "./mod.ts";
 *
 * export default defineProfiler({
 *   name: "calls",
 *   apiVersion: 1,
 *   create: () => ({ stop: (_ctx, m) => ({ total: m.total_calls }) }),
 * });
 *
 * const { manifest } = await runSpec("specs/softmax-sweep.yaml", { outputDir: "/tmp/out" });
 * ```
 * @module
 */
export * from "./plugin_kit.ts";
export {
  AttnbenchError,
  KernelError,
  OutputError,
  PluginError,
  RunInterrupted,
  SpecError,
} from "./src/errors.ts";
export type { SourceLocation } from "./src/errors.ts";
export { loadSpec, parseSpec } from "./src/spec/load.ts";
export type { LoadedSpec } from "./src/spec/load.ts";
export { specSchema } from "./src/spec/schema.ts";
export type { Budget, Spec } from "./src/spec/schema.ts";
export { planRun } from "./src/plan.ts";
export type { CasePlan, RunPlan } from "./src/plan.ts";
export { runPlan } from "./src/runner.ts";
export type { RunOptions, RunResult } from "./src/runner.ts";
export { runSpec } from "./src/run_spec.ts";
export { expandGrid } from "./src/grid.ts";
export { defineGenerator, inputGenerators } from "./src/inputs/mod.ts";
export type { InputGenerator } from "./src/inputs/mod.ts";
export { builtinKernels, builtinProfilers } from "./builtins.ts";
export { builtinPowerSources } from "./plugins/power/sources/mod.ts";
export type { BuiltinPowerSource } from "./plugins/power/sources/mod.ts";
export { constantPowerSource, tracePowerSource } from "./plugins/power/sources/mock.ts";
export type { MockOptions, MockPowerSource, TracePoint } from "./plugins/power/sources/mock.ts";
export { counterEnergy, estimateEnergy } from "./plugins/power/energy.ts";
export type { CounterEnergy, CounterReading, EnergyResult, PowerSample } from "./plugins/power/energy.ts";
export type { PowerOptions } from "./plugins/power/options.ts";
export type { MemoryOptions } from "./plugins/memory/mod.ts";
