/**
 * Conformance checks for third-party profiler plugins, power sources and kernels: run them in
 * your own test and expect no problems. Each check drives the subject the way attnbench does
 * (profilers through the real plugin host, on real measured cases) and returns a
 * {@link ConformanceReport} listing every way it breaks the contract, each problem saying what
 * was found and what was expected. The checks do not depend on a test framework.
 *
 * @example
 * ```ts
 * import { expect, test } from "bun:test";
 * import { checkKernel, checkPowerSource, checkProfiler } from "attnbench/testing";
 * import myPlugin from "./my_plugin.ts";
 *
 * test("my plugin keeps the profiler contract", async () => {
 *   const report = await checkProfiler(myPlugin, { options: { every: 10 } });
 *   expect(report.problems).toEqual([]);
 * });
 * ```
 * @module
 */
export { allocationPerCall } from "./plugins/memory/allocation.ts";
export type { AllocationOptions, AllocationReport } from "./plugins/memory/allocation.ts";
export { assertConformant } from "./testing/report.ts";
export type { ConformanceReport } from "./testing/report.ts";
export { checkProfiler } from "./testing/profiler.ts";
export type { ProfilerCheckOptions } from "./testing/profiler.ts";
export { checkPowerSource } from "./testing/power_source.ts";
export type { PowerSourceCheckOptions } from "./testing/power_source.ts";
export { checkKernel } from "./testing/kernel.ts";
export type { KernelCheckOptions } from "./testing/kernel.ts";
