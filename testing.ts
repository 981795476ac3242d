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
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import * as v from "valibot";
import type {
  AttentionInputs,
  CaseContext,
  CaseOutcome,
  HostContext,
  KernelDefinition,
  KernelInstance,
  ProfilerDefinition,
  RunContext,
  Table,
} from "./src/contracts.ts";
import { describe as describeThrown, PluginError } from "./src/errors.ts";
import { PluginHost } from "./src/host.ts";
import { normalGenerator } from "./src/inputs/normal.ts";
import { measureCall } from "./src/measure/sampler.ts";
import { runtimeInfo } from "./src/runtime.ts";
import softmax from "./kernels/softmax.ts";
import { type AllocationOptions, allocationPerCall } from "./plugins/memory/allocation.ts";
import type { PowerSource } from "./plugins/power/source.ts";
import {
  KERNEL_KEYS,
  POWER_SOURCE_KEYS,
  PROFILER_HOOKS,
  PROFILER_KEYS,
  strayKeysProblem,
} from "./src/definition_keys.ts";

export { allocationPerCall } from "./plugins/memory/allocation.ts";
export type { AllocationOptions, AllocationReport } from "./plugins/memory/allocation.ts";

/**
 * What a check found.
 *
 * @example
 * ```ts
 * const report: ConformanceReport = await checkProfiler(plugin);
 * if (report.problems.length > 0) console.error(report.problems.join("\n"));
 * ```
 */
export interface ConformanceReport {
  /** What was checked, e.g. `profiler calls`, `power source wall-meter`, `kernel copy`. */
  subject: string;
  /** Whether the subject said it can run here; the lifecycle is only checked when it can. */
  available: boolean;
  /** The subject's reason when unavailable, or its note when available with one. */
  reason?: string;
  /** Profilers: the hooks called, in order, across the checked runs. */
  calls: string[];
  /** Every breach of the contract; empty when the subject conforms. */
  problems: string[];
}

/**
 * Options of {@link checkProfiler}.
 *
 * @example
 * ```ts
 * const options: ProfilerCheckOptions = { options: { tag: "ci" }, cases: 3 };
 * ```
 */
export interface ProfilerCheckOptions {
  /** The plugin's options as a spec would write them (validated by its schema); default `{}`. */
  options?: unknown;
  /** Cases in the normal run; default 2. */
  cases?: number;
}

/** A tiny, fast measurement budget for the checks' real cases. */
const BUDGET = { min_samples: 2, max_samples: 10, min_time_ms: 1, max_time_ms: 100, warmup: 1 };

const TABLE_NAME = /^[a-z0-9_-]+$/i;

/**
 * Checks a profiler plugin against the contract: its shape and options, what `detect` returns,
 * then two runs through the real plugin host on real measured cases (softmax, seq_len 8, 16, …).
 * The normal run checks the hook order (setup, then per case [sample,] start, stop, tables, then
 * report and teardown, each at most where defined), that every metric and table cell is a JSON
 * scalar (no NaN, no nesting), that tables are well formed, and that any error is an `Error` with
 * a message (the host reports it as `[profiler NAME] HOOK failed: message`). The second run fails
 * its case after `start` and checks that `teardown` still runs and does not throw.
 *
 * @example
 * ```ts
 * const { problems, calls } = await checkProfiler(myPlugin);
 * calls; // ["create", "setup", "start", "stop", "tables", "start", "stop", "tables", "teardown", ...]
 * ```
 */
export async function checkProfiler(
  // deno-lint-ignore no-explicit-any
  definition: ProfilerDefinition<any, any>,
  check: ProfilerCheckOptions = {},
): Promise<ConformanceReport> {
  const report: ConformanceReport = {
    subject: `profiler ${String(definition?.name)}`,
    available: false,
    calls: [],
    problems: [],
  };
  const shape = profilerShapeProblems(definition);
  if (shape.length > 0) return { ...report, problems: shape };
  const stray = strayKeysProblem(definition, PROFILER_KEYS, "key");
  if (stray) return { ...report, problems: [`the plugin has ${stray}`] };
  const options = parseOptions(definition, check.options ?? {}, report);
  if (report.problems.length > 0) return report;
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-conformance-"));
  try {
    const host: HostContext = { env: runtimeInfo(), outputDir, specDir: process.cwd() };
    const availability = await detectOnce(definition, options, host, report);
    if (!availability) return report;
    await normalRun(definition, options, host, check.cases ?? 2, report);
    await abortedRun(definition, options, host, report);
    return report;
  } finally {
    fs.rmSync(outputDir, { recursive: true, force: true });
  }
}

// deno-lint-ignore no-explicit-any
function profilerShapeProblems(definition: ProfilerDefinition<any, any>): string[] {
  if (!definition || typeof definition !== "object") {
    return [
      `the plugin is ${
        definition === null ? "null" : typeof definition
      }; expected an object made with defineProfiler()`,
    ];
  }
  const problems: string[] = [];
  if (typeof definition.name !== "string" || !TABLE_NAME.test(definition.name)) {
    problems.push(
      `name is ${
        JSON.stringify(definition.name)
      }; expected letters, digits, _ or - (it prefixes results.csv columns)`,
    );
  }
  if (definition.apiVersion !== 1) {
    problems.push(`apiVersion is ${JSON.stringify(definition.apiVersion)}; expected 1`);
  }
  if (typeof definition.create !== "function") {
    problems.push(`create is ${typeof definition.create}; expected a function`);
  }
  if (definition.detect !== undefined && typeof definition.detect !== "function") {
    problems.push(`detect is ${typeof definition.detect}; expected a function or nothing`);
  }
  return problems;
}

function parseOptions(
  // deno-lint-ignore no-explicit-any
  definition: ProfilerDefinition<any, any>,
  raw: unknown,
  report: ConformanceReport,
): unknown {
  if (!definition.options) return raw;
  const parsed = v.safeParse(definition.options, raw);
  if (parsed.success) return parsed.output;
  const issues = parsed.issues.map((i) => i.message).join("; ");
  report.problems.push(
    `options ${
      JSON.stringify(raw)
    } were rejected by the plugin's schema (${issues}); expected them to validate`,
  );
  return undefined;
}

/** Calls `detect` once and records its answer; true when the lifecycle can be checked. */
async function detectOnce(
  // deno-lint-ignore no-explicit-any
  definition: ProfilerDefinition<any, any>,
  options: unknown,
  host: HostContext,
  report: ConformanceReport,
): Promise<boolean> {
  let answer: unknown;
  try {
    answer = definition.detect ? await definition.detect(host.env, options, host) : true;
  } catch (thrown) {
    report.problems.push(
      `detect threw (${describeThrown(thrown)}); expected it to return the reason instead`,
    );
    return false;
  }
  if (answer === true) return (report.available = true);
  if (typeof answer === "string" && answer.trim() !== "") {
    report.reason = answer;
    return false;
  }
  const note = answer as { available?: unknown; note?: unknown } | null;
  if (note && typeof note === "object" && note.available === true && typeof note.note === "string") {
    report.reason = note.note;
    return (report.available = true);
  }
  report.problems.push(
    `detect returned ${
      show(answer)
    }; expected true, a non-empty reason string or { available: true, note: "..." }`,
  );
  return false;
}

/** Setup, the cases, report and teardown, in the runner's order. */
async function normalRun(
  // deno-lint-ignore no-explicit-any
  definition: ProfilerDefinition<any, any>,
  options: unknown,
  host: HostContext,
  cases: number,
  report: ConformanceReport,
): Promise<void> {
  const calls: string[] = [];
  const hooks = new Set<string>();
  const plugins = new PluginHost([recorded(definition, options, calls, hooks)], host, { strict: true });
  const run = runContext(host, cases);
  const outcomes: CaseOutcome[] = [];
  try {
    await plugins.open(run);
    for (let i = 0; i < cases; i++) {
      const ctx = caseContext(run, i, cases);
      if (plugins.wantsSamples) {
        const t0 = performance.now();
        ctx.instance.run();
        const wall_time_us = (performance.now() - t0) * 1000;
        await plugins.sample(ctx, {
          index: 0,
          seed: i,
          inputs: ctx.inputs,
          instance: ctx.instance,
          wall_time_us,
          replay: false,
        });
      }
      await plugins.start(ctx);
      const measurement = await measureCall(() => ctx.instance.run(), BUDGET);
      const metrics = await plugins.stop(ctx, measurement);
      const tables = await plugins.tables(ctx);
      tables.forEach((table) => checkTable(table, report));
      outcomes.push({ info: ctx.case, status: "ok", metrics, tables });
    }
    const { errors } = await plugins.report(run, outcomes);
    for (const error of errors) report.problems.push(hookProblem(error, definition.name));
  } catch (error) {
    report.problems.push(hookProblem(error, definition.name));
  } finally {
    await plugins.close(run);
    for (const error of plugins.teardownErrors) report.problems.push(hookProblem(error, definition.name));
    report.calls.push(...calls);
    checkOrder(calls, hooks, cases, report);
  }
}

/** A run whose only case fails after `start`: teardown must still run, and not throw. */
async function abortedRun(
  // deno-lint-ignore no-explicit-any
  definition: ProfilerDefinition<any, any>,
  options: unknown,
  host: HostContext,
  report: ConformanceReport,
): Promise<void> {
  const calls: string[] = [];
  const plugins = new PluginHost([recorded(definition, options, calls)], host, { strict: true });
  const run = runContext(host, 1);
  try {
    await plugins.open(run);
    await plugins.start(caseContext(run, 0, 1));
  } catch (error) {
    report.problems.push(`in a run whose case fails: ${hookProblem(error, definition.name)}`);
  } finally {
    await plugins.close(run);
    for (const error of plugins.teardownErrors) {
      report.problems.push(`after a case failed: ${hookProblem(error, definition.name)}`);
    }
    report.calls.push(...calls);
  }
}

/** Hooks of a profiler instance, in the order the host calls them. */
const HOOKS = ["setup", "sample", "start", "stop", "tables", "report", "teardown"] as const;

/**
 * The plugin, its instance's hooks wrapped to record their calls in `calls`; `hooks` receives
 * the names of the hooks the instance defines.
 */
function recorded(
  // deno-lint-ignore no-explicit-any
  definition: ProfilerDefinition<any, any>,
  options: unknown,
  calls: string[],
  hooks: Set<string> = new Set(),
): { ref: string; origin: "path"; definition: ProfilerDefinition; options: unknown; index: number } {
  const wrapped: ProfilerDefinition = {
    ...definition,
    create(opts, ctx) {
      calls.push("create");
      const instance = definition.create(opts, ctx);
      if (!instance || typeof instance !== "object") {
        throw new TypeError(
          `create returned ${show(instance)}; expected an object with at least a stop(ctx, measurement) hook`,
        );
      }
      const stray = strayKeysProblem(instance, PROFILER_HOOKS, "hook");
      if (stray) throw new TypeError(`create returned ${stray}`);
      if (typeof instance.stop !== "function") {
        throw new TypeError(
          `create returned hooks ${
            show(Object.keys(instance))
          } without stop; expected at least a stop(ctx, measurement) hook`,
        );
      }
      const copy: Record<string, unknown> = { ...instance };
      for (const hook of HOOKS) {
        const fn = instance[hook] as ((...args: unknown[]) => unknown) | undefined;
        if (typeof fn !== "function") continue;
        hooks.add(hook);
        copy[hook] = (...args: unknown[]) => {
          calls.push(hook);
          return fn.apply(instance, args);
        };
      }
      return copy as unknown as ReturnType<ProfilerDefinition["create"]>;
    },
  };
  return { ref: definition.name, origin: "path", definition: wrapped, options, index: 0 };
}

/** The order the host must have used, given which hooks the instance has. */
function checkOrder(calls: string[], hooks: Set<string>, cases: number, report: ConformanceReport): void {
  if (calls.length === 0 || report.problems.length > 0) return;
  const expected = ["create", ...(hooks.has("setup") ? ["setup"] : [])];
  for (let i = 0; i < cases; i++) {
    for (const hook of ["sample", "start", "stop", "tables"]) if (hooks.has(hook)) expected.push(hook);
  }
  for (const hook of ["report", "teardown"]) if (hooks.has(hook)) expected.push(hook);
  if (JSON.stringify(calls) !== JSON.stringify(expected)) {
    report.problems.push(`hooks ran as ${calls.join(" → ")}; expected ${expected.join(" → ")}`);
  }
}

function checkTable(table: Table, report: ConformanceReport): void {
  const where = `table ${show(table?.name)}`;
  if (!table || typeof table.name !== "string" || !TABLE_NAME.test(table.name)) {
    report.problems.push(
      `${where}: name must be letters, digits, _ or - (it names a folder); found ${show(table?.name)}`,
    );
    return;
  }
  if (!Array.isArray(table.columns) || table.columns.some((c) => typeof c !== "string")) {
    report.problems.push(`${where}: columns are ${show(table.columns)}; expected a list of strings`);
    return;
  }
  if (new Set(table.columns).size !== table.columns.length || table.columns.includes("config_hash")) {
    report.problems.push(
      `${where}: columns ${
        table.columns.join(",")
      } repeat a name or include config_hash; expected distinct names (the host adds config_hash)`,
    );
  }
  (Array.isArray(table.rows) ? table.rows : []).forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== table.columns.length) {
      report.problems.push(
        `${where}: row ${i} has ${
          Array.isArray(row) ? row.length : "no"
        } cells; expected ${table.columns.length}, one per column`,
      );
      return;
    }
    const bad = row.findIndex((cell) =>
      !(cell === null || ["string", "boolean"].includes(typeof cell) || Number.isFinite(cell))
    );
    if (bad >= 0) {
      report.problems.push(
        `${where}: row ${i} column ${table.columns[bad]} is ${
          show(row[bad])
        }; expected a finite number, string, boolean or null`,
      );
    }
  });
  if (!Array.isArray(table.rows)) {
    report.problems.push(`${where}: rows are ${show(table.rows)}; expected a list of rows`);
  }
}

/**
 * A problem for an error the host raised: a result the host refused (as it words it), or what a
 * hook threw, checking that it threw an `Error` with a message.
 */
function hookProblem(error: unknown, name: string): string {
  if (!(error instanceof PluginError)) return `the host failed: ${describeThrown(error)}`;
  if (error.code !== "PLUGIN_HOOK") return error.message;
  const cause = error.cause;
  const thrownKind = cause instanceof Error
    ? (cause.message.trim() === "" ? "an Error without a message" : undefined)
    : `${show(cause)} (not an Error)`;
  const what = thrownKind
    ? `${error.hook ?? "a hook"} threw ${thrownKind}; expected an Error whose message says what went wrong`
    : `${error.message}; expected ${error.hook ?? "the plugin"} to succeed`;
  return error.plugin === name ? what : `${what} (reported under "${error.plugin}")`;
}

function runContext(host: HostContext, cases: number): RunContext {
  return {
    ...host,
    cases,
    writeFile: async (relative, data) => {
      const file = path.join(host.outputDir, ...relative.split("/"));
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(file, data);
    },
  };
}

/** Case `i`: softmax on seeded inputs of 8·2^i tokens, d = 4, prepared and ready. */
function caseContext(run: RunContext, i: number, total: number): CaseContext {
  const params = { seq_len: 8 << i, d: 4, causal: false };
  const shape = softmax.shape(params);
  const inputs = normalGenerator.generate(shape, 42 + i, { std: 1 });
  const instance = softmax.prepare(params, inputs);
  return {
    ...run,
    case: {
      index: i,
      total,
      config_hash: `${"c0".repeat(31)}${String(i).padStart(2, "0")}`,
      role: "kernel",
      kernel: { name: softmax.name, version: softmax.version },
      params,
      shape,
      analytic: { flops: softmax.flops?.(params), memory: softmax.memory?.(params) },
      inputs_key: `conformance-${i}`,
    },
    instance,
    inputs,
  };
}

/**
 * Options of {@link checkPowerSource}.
 *
 * @example
 * ```ts
 * const options: PowerSourceCheckOptions = { reads: 3, gap_ms: 50 };
 * ```
 */
export interface PowerSourceCheckOptions {
  /** Reads of each reader; default 4. */
  reads?: number;
  /** Pause between reads, ms; default 20. */
  gap_ms?: number;
}

/**
 * Checks a power source against the contract: a name and `detect()`; `close()` safe before
 * `detect()` and twice; `detect()` answering `true` or a non-empty reason (an unavailable source
 * is reported, not a problem); after `true`, at least one reader, the energy counter finite and
 * never decreasing, watts finite and ≥ 0.
 *
 * @example
 * ```ts
 * const report = await checkPowerSource(myMeter, { reads: 3 });
 * report.available; // false on a machine without the meter, with report.reason saying why
 * ```
 */
export async function checkPowerSource(
  source: PowerSource,
  check: PowerSourceCheckOptions = {},
): Promise<ConformanceReport> {
  const report: ConformanceReport = {
    subject: `power source ${String(source?.name)}`,
    available: false,
    calls: [],
    problems: [],
  };
  if (
    !source || typeof source !== "object" || typeof source.name !== "string" || source.name === "" ||
    typeof source.detect !== "function"
  ) {
    report.problems.push(
      `the source is ${
        show(source)
      }; expected an object with a non-empty name and detect(), made with definePowerSource()`,
    );
    return report;
  }
  const strayInSource = strayKeysProblem(source, POWER_SOURCE_KEYS, "key");
  if (strayInSource) {
    report.problems.push(`the source has ${strayInSource}`);
    return report;
  }
  await guarded(report, "close() before detect()", () => source.close?.());
  const detected = await guarded(report, "detect()", () => source.detect());
  if (detected !== true) {
    if (typeof detected === "string" && detected.trim() !== "") report.reason = detected;
    else if (detected !== undefined || report.problems.length === 0) {
      report.problems.push(`detect() returned ${show(detected)}; expected true or a non-empty reason string`);
    }
  } else {
    report.available = true;
    await checkReadings(source, check, report);
  }
  await guarded(report, "close()", () => source.close?.());
  await guarded(report, "a second close()", () => source.close?.());
  return report;
}

async function checkReadings(
  source: PowerSource,
  check: PowerSourceCheckOptions,
  report: ConformanceReport,
): Promise<void> {
  if (!source.readEnergyJoules && !source.readWatts) {
    report.problems.push(
      "detect() returned true but the source has neither readEnergyJoules nor readWatts; expected at least one",
    );
    return;
  }
  let previous = -Infinity;
  for (let i = 0; i < (check.reads ?? 4); i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, check.gap_ms ?? 20));
    if (source.readEnergyJoules) {
      const joules = await guarded(report, "readEnergyJoules()", () => source.readEnergyJoules!());
      if (typeof joules !== "number" || !Number.isFinite(joules)) {
        report.problems.push(
          `readEnergyJoules() returned ${show(joules)}; expected a finite number of joules`,
        );
        return;
      }
      if (joules < previous) {
        report.problems.push(
          `readEnergyJoules() went from ${previous} J to ${joules} J; expected a counter that never decreases`,
        );
        return;
      }
      previous = joules;
    }
    if (source.readWatts) {
      const watts = await guarded(report, "readWatts()", () => source.readWatts!());
      if (typeof watts !== "number" || !Number.isFinite(watts) || watts < 0) {
        report.problems.push(`readWatts() returned ${show(watts)}; expected finite watts ≥ 0`);
        return;
      }
    }
  }
}

/** The call's result, or `undefined` with a problem when it throws. */
async function guarded<T>(
  report: ConformanceReport,
  what: string,
  fn: () => T | Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (thrown) {
    report.problems.push(`${what} threw (${describeThrown(thrown)}); expected it to succeed`);
    return undefined;
  }
}

/**
 * Options of {@link checkKernel}.
 *
 * @example
 * ```ts
 * const options: KernelCheckOptions = { seed: 7, maxAllocatedBytesPerCall: 0, allocation: { calls: 8 } };
 * ```
 */
export interface KernelCheckOptions {
  /** Seed of the standard-normal inputs; default 42. */
  seed?: number;
  /** Largest heap bytes one `run()` may allocate; default 64. */
  maxAllocatedBytesPerCall?: number;
  /** How the allocation is measured (see {@link allocationPerCall}); default 16 calls × 5 rounds after 20 warm-up calls. */
  allocation?: AllocationOptions;
}

/**
 * Checks a kernel at one parameter point against the contract: its shape; parameters accepted by
 * its schema; a shape of positive integers; `flops()` and `memory()` (where declared) finite and
 * non-negative; `prepare()` giving an instance whose `output` has `seq_len × q_width` values;
 * `run()` that does not throw, writes finite values into the same `output`, leaves Q, K and V as
 * they were and allocates at most `maxAllocatedBytesPerCall` bytes per call; `stats()` (where
 * declared) a record of finite numbers.
 *
 * @example
 * ```ts
 * const report = await checkKernel(myKernel, { seq_len: 64, d: 16 });
 * report.problems; // [] when it conforms
 * ```
 */
export async function checkKernel<P>(
  kernel: KernelDefinition<P>,
  params: Record<string, unknown> = {},
  check: KernelCheckOptions = {},
): Promise<ConformanceReport> {
  const report: ConformanceReport = {
    subject: `kernel ${String(kernel?.name)}`,
    available: true,
    calls: [],
    problems: [],
  };
  const problems = report.problems;
  if (
    !kernel || typeof kernel !== "object" || typeof kernel.name !== "string" ||
    typeof kernel.version !== "string"
  ) {
    problems.push(
      `the kernel is ${
        show(kernel)
      }; expected an object with string name and version, made with defineKernel()`,
    );
    return report;
  }
  if (
    typeof kernel.prepare !== "function" || typeof kernel.shape !== "function" ||
    typeof kernel.params?.entries !== "object"
  ) {
    problems.push(
      "the kernel lacks prepare(), shape() or a valibot object schema as params; expected all three",
    );
    return report;
  }
  const strayInKernel = strayKeysProblem(kernel, KERNEL_KEYS, "key");
  if (strayInKernel) {
    problems.push(`the kernel has ${strayInKernel}`);
    return report;
  }
  const parsed = v.safeParse(kernel.params, params);
  if (!parsed.success) {
    problems.push(
      `params ${JSON.stringify(params)} were rejected (${
        parsed.issues.map((i) => i.message).join("; ")
      }); expected them to validate`,
    );
    return report;
  }
  const p = parsed.output;
  const shape = kernel.shape(p);
  const dims = [shape?.seq_len, shape?.q_width, shape?.kv_width];
  if (!dims.every((n) => Number.isInteger(n) && (n as number) > 0)) {
    problems.push(`shape() returned ${show(shape)}; expected positive integers seq_len, q_width, kv_width`);
    return report;
  }
  checkAnalytic(kernel, p, problems);
  const inputs = normalGenerator.generate(shape, check.seed ?? 42, { std: 1 });
  const pristine = { q: inputs.q.slice(), k: inputs.k.slice(), v: inputs.v.slice() };
  let instance: KernelInstance;
  try {
    instance = kernel.prepare(p, inputs);
  } catch (thrown) {
    problems.push(`prepare() threw (${describeThrown(thrown)}); expected an instance for valid params`);
    return report;
  }
  if (!instance || typeof instance.run !== "function" || !(instance.output instanceof Float32Array)) {
    problems.push(`prepare() returned ${show(instance)}; expected { run(), output: Float32Array }`);
    return report;
  }
  const expectedLength = shape.seq_len * shape.q_width;
  if (instance.output.length !== expectedLength) {
    problems.push(
      `output has ${instance.output.length} values; expected seq_len × q_width = ${expectedLength}`,
    );
  }
  if (!runOnce(instance, inputs, pristine, problems)) return report;
  const limit = check.maxAllocatedBytesPerCall ?? 64;
  const run = instance.run.bind(instance);
  const allocation = await allocationPerCall(run, { calls: 16, rounds: 5, warmup: 20, ...check.allocation });
  if (allocation.bytes_per_call > limit) {
    problems.push(
      `run() allocates ${allocation.bytes_per_call} bytes per call (${allocation.method}); expected at most ${limit}: allocate in prepare()`,
    );
  }
  return report;
}

function checkAnalytic<P>(kernel: KernelDefinition<P>, p: P, problems: string[]): void {
  if (kernel.flops) {
    const flops = kernel.flops(p);
    if (!Number.isFinite(flops) || flops < 0) {
      problems.push(`flops() returned ${show(flops)}; expected a finite number ≥ 0`);
    }
  }
  if (kernel.memory) {
    const memory = kernel.memory(p) as unknown as Record<string, unknown>;
    for (const key of ["kv_cache_bytes", "activation_bytes", "temp_buffer_bytes"]) {
      const bytes = memory?.[key];
      if (typeof bytes !== "number" || !Number.isInteger(bytes) || bytes < 0) {
        problems.push(`memory().${key} is ${show(bytes)}; expected a whole number of bytes ≥ 0`);
      }
    }
  }
}

/** One `run()`, checked; false when the kernel cannot be run further. */
function runOnce(
  instance: KernelInstance,
  inputs: AttentionInputs,
  pristine: { q: Float32Array; k: Float32Array; v: Float32Array },
  problems: string[],
): boolean {
  const output = instance.output;
  try {
    instance.run();
  } catch (thrown) {
    problems.push(`run() threw (${describeThrown(thrown)}); expected it to compute the output`);
    return false;
  }
  if (instance.output !== output) {
    problems.push("run() replaced output; expected it to write into the Float32Array prepare() gave");
  }
  const bad = instance.output.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) {
    problems.push(`output[${bad}] is ${instance.output[bad]} after run(); expected finite values`);
  }
  for (const name of ["q", "k", "v"] as const) {
    if (!sameValues(inputs[name], pristine[name])) {
      problems.push(
        `run() changed the input ${name.toUpperCase()}; expected inputs left as they were (they are shared between cases)`,
      );
    }
  }
  if (instance.stats) {
    const stats = instance.stats();
    const badStat = Object.entries(stats ?? {}).find(([, x]) => !Number.isFinite(x));
    if (!stats || typeof stats !== "object" || badStat) {
      problems.push(`stats() returned ${show(stats)}; expected a record of finite numbers`);
    }
  }
  return true;
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

function show(value: unknown): string {
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Throws an `Error` listing the report's problems; nothing when there are none.
 *
 * @example
 * ```ts
 * assertConformant(await checkKernel(myKernel, { seq_len: 32 }));
 * ```
 */
export function assertConformant(report: ConformanceReport): void {
  if (report.problems.length === 0) return;
  throw new Error(`${report.subject} breaks the contract:\n- ${report.problems.join("\n- ")}`);
}
