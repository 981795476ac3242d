/**
 * attnbench's plugin kit (`attnbench/plugin-kit`): the contracts and helpers a kernel, profiler
 * plugin or power source is written with — the built-ins use exactly this and nothing else of
 * the core. Everything here is also exported from `mod.ts` (`attnbench`).
 *
 * @example
 * ```ts
 * import { defineProfiler, nearestRank } from "attnbench/plugin-kit";
 *
 * export default defineProfiler({
 *   name: "p90",
 *   apiVersion: 1,
 *   metrics: { p90_ns: { type: "double", unit: "ns", description: "90th percentile per call" } },
 *   create: () => ({ stop: (_ctx, m) => ({ p90_ns: nearestRank(m.samples_ns, 90) }) }),
 * });
 * ```
 * @module
 */

// The contracts: what a kernel, a profiler and its hooks receive and return.
export type {
  AttentionInputs,
  Availability,
  Awaitable,
  CaseContext,
  CaseInfo,
  CaseOutcome,
  DeviceInfo,
  HostContext,
  InputShape,
  KernelAvailability,
  KernelDefinition,
  KernelInstance,
  KernelMemory,
  Measurement,
  MetricDescription,
  Metrics,
  MetricValue,
  Origin,
  ParamsSchema,
  PlannedCase,
  ProfilerDefinition,
  ProfilerInstance,
  RunContext,
  Sample,
  Table,
} from "./src/contracts.ts";
export { defineKernel, defineProfiler } from "./src/contracts.ts";
export { definePowerSource } from "./src/power_source.ts";
export type { PowerSource } from "./src/power_source.ts";

// Checking definitions the way the host does.
export {
  KERNEL_KEYS,
  POWER_SOURCE_KEYS,
  PROFILER_HOOKS,
  PROFILER_KEYS,
  strayKeysProblem,
} from "./src/definition_keys.ts";

// Statistics, hashing, tables and text.
export { latencyStats, nearestRank } from "./src/stats.ts";
export type { LatencyStats } from "./src/stats.ts";
export { canonicalJson, configHash, sha256Hex } from "./src/hash.ts";
export { toCsv } from "./src/output/csv.ts";
export { formatTable } from "./src/text_table.ts";
export { optionList } from "./src/schema_options.ts";
export { describe as describeError } from "./src/errors.ts";

// The runtime and the files around a plugin.
export { collectGarbage, runtimeInfo, runtimeName } from "./src/runtime.ts";
export type { RuntimeInfo, RuntimeName } from "./src/runtime.ts";
export { siblingModule } from "./src/module_url.ts";
export { ReferenceNotFound, resolveReference } from "./src/modules.ts";

// What `attnbench plugins` lists beyond the profilers.
export type { CatalogEntry, CatalogSection } from "./src/registry.ts";

// The min-cut study's verdict.json, which `attnbench report` draws.
export { STUDY_VERDICT_FORMAT } from "./src/study_verdict.ts";
export type { CriterionCheck, SettingRow, StudySetting, StudyVerdict } from "./src/study_verdict.ts";

// Results folders and witness chains, for plugins that report over a whole run.
export { manifestRecordSha256 } from "./src/output/manifest.ts";
export type { CaseRecord, Manifest } from "./src/output/manifest.ts";
export { buildChain, sealBundle } from "./src/witness/chain.ts";
export type { Bundle, Chain, ChainItem } from "./src/witness/chain.ts";
export { encodeMask } from "./src/witness/entry.ts";
export type { EncodedMask, MaskEncoding } from "./src/witness/entry.ts";
export { hashTensor } from "./src/witness/hash_tensor.ts";
