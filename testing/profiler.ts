/**
 * `checkProfiler`: a profiler plugin driven through the real plugin host on real measured cases.
 *
 * @example
 * ```ts
 * import { checkProfiler } from "./profiler.ts";
 * (await checkProfiler(myPlugin)).problems; // []
 * ```
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import * as v from "valibot";
import type {
  CaseContext,
  CaseOutcome,
  HostContext,
  ProfilerDefinition,
  RunContext,
  Table,
} from "../src/contracts.ts";
import { describe as describeThrown, PluginError } from "../src/errors.ts";
import { PluginHost } from "../src/host.ts";
import { normalGenerator } from "../src/inputs/normal.ts";
import { measureCall } from "../src/measure/sampler.ts";
import { runtimeInfo } from "../src/runtime.ts";
import softmax from "../kernels/softmax.ts";
import "../builtins.ts";
import { PROFILER_HOOKS, PROFILER_KEYS, strayKeysProblem } from "../src/definition_keys.ts";
import { type ConformanceReport, show } from "./report.ts";

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
