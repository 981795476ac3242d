/**
 * From a validated spec to the list of cases to measure: kernels and plugins resolved, the grid
 * expanded and checked against each kernel's parameter schema, every case hashed.
 *
 * The `config_hash` of a case is SHA-256 over the RFC 8785 canonical JSON of
 * `{ kernel: { name, version }, params, inputs: { generator, options, seed }, budget }`: what was
 * measured, never where or on which runtime. `budget` is `bench` without the caps `timeout_ms`
 * and `memory_limit_mb` (see limits.ts).
 *
 * @example
 * ```ts
 * import { loadSpec } from "./spec/load.ts";
 * import { planRun } from "./plan.ts";
 * const plan = await planRun(await loadSpec("specs/softmax-sweep.yaml"));
 * plan.cases.map((c) => c.config_hash);
 * ```
 * @module
 */
import * as v from "valibot";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import type { KernelDefinition } from "./contracts.ts";
import { PluginError, SpecError } from "./errors.ts";
import { selectCases } from "./filter.ts";
import { expandGrid, type Point } from "./grid.ts";
import { measurementBudget } from "./limits.ts";
import { checkCaseCount, checkColumnNames, checkMemoryNeeds, DEFAULT_MAX_CASES } from "./plan_bounds.ts";
import { canonicalJson, configHash } from "./hash.ts";
import { type InputGenerator, inputGenerators } from "./inputs/mod.ts";
import type { CasePlan } from "./case_plan.ts";
import { type ResolvedKernel, type ResolvedPlugin, resolveKernel, resolvePlugins } from "./resolve.ts";
import { formatPath, issueToError, renderValue } from "./spec/issues.ts";
import type { LoadedSpec } from "./spec/load.ts";
import type { Budget } from "./spec/schema.ts";

export type { CasePlan };

/** Everything a run needs, decided before anything is measured. */
export interface RunPlan {
  loaded: LoadedSpec;
  /** The spec's kernels (`kernel:` may list several: they form a grid axis). */
  kernels: ResolvedKernel[];
  baseline?: ResolvedKernel;
  // deno-lint-ignore no-explicit-any
  generator: InputGenerator<any>;
  generatorOptions: unknown;
  budget: Budget;
  plugins: ResolvedPlugin[];
  cases: CasePlan[];
  /** Things worth saying that do not stop the run (e.g. an exclude entry that matched nothing). */
  warnings: string[];
}

/** Bounds of a plan (see plan_bounds.ts). */
export interface PlanOptions {
  /** Most cases the plan may have (`--max-cases`; default {@link DEFAULT_MAX_CASES}). */
  maxCases?: number;
  /** Skip the check of each case's memory estimate against this machine (`--force`). */
  force?: boolean;
  /** `--filter`: only the cases it selects have their memory checked (the others will not run). */
  filter?: string[];
}

/**
 * Resolves, expands, validates and hashes a loaded spec. The grid is counted before it is
 * expanded, and every case's memory estimate is checked against the machine.
 *
 * @example
 * ```ts
 * const plan = await planRun(loaded);
 * plan.cases.length; // grid points (+ baseline cases)
 * ```
 */
export async function planRun(loaded: LoadedSpec, options: PlanOptions = {}): Promise<RunPlan> {
  const maxCases = options.maxCases ?? DEFAULT_MAX_CASES;
  const { spec, source } = loaded;
  const refs = Array.isArray(spec.kernel) ? spec.kernel : [spec.kernel];
  const kernels: ResolvedKernel[] = [];
  for (const [i, ref] of refs.entries()) {
    kernels.push(await resolveKernel(loaded, ref, Array.isArray(spec.kernel) ? ["kernel", i] : ["kernel"]));
  }
  const baseline = spec.baseline === undefined
    ? undefined
    : await resolveKernel(loaded, spec.baseline, ["baseline"]);
  const generator = inputGenerators[spec.inputs.generator];
  if (!generator) {
    throw new SpecError(
      "SPEC_UNKNOWN_GENERATOR",
      `unknown input generator "${spec.inputs.generator}"; expected one of: ${
        Object.keys(inputGenerators).join(", ")
      }`,
      source.locate(["inputs", "generator"]),
    );
  }
  const parsedOptions = v.safeParse(generator.options, spec.inputs.options);
  if (!parsedOptions.success) {
    throw issueToError(parsedOptions.issues, ["inputs", "options"], source, generator.options);
  }
  const plugins = await resolvePlugins(loaded);

  checkParams(loaded, baseline ? [...kernels, baseline] : kernels);
  checkColumnNames(
    loaded,
    baseline ? [...kernels, baseline] : kernels,
    plugins.map((p) => p.definition.name),
  );
  checkCaseCount(loaded, kernels.length, maxCases);
  const { points, warnings } = gridPoints(loaded);
  warnings.push(...outputDirWarnings(loaded));

  // `samples` joins the identity only when set, so specs without it keep their hashes.
  const inputs = {
    generator: generator.name,
    options: parsedOptions.output,
    seed: spec.seed,
    ...(spec.inputs.samples === 1 ? {} : { samples: spec.inputs.samples }),
  };
  const cases: CasePlan[] = [];
  const seen = new Map<string, CasePlan>();
  /** Per grid point, the config hash of its baseline case: a kernel case is paired with it. */
  const baselineAt: string[] = [];
  const roles: [ResolvedKernel, "kernel" | "baseline"][] = [
    ...(baseline ? [[baseline, "baseline"] as [ResolvedKernel, "baseline"]] : []),
    ...kernels.map((k): [ResolvedKernel, "kernel"] => [k, "kernel"]),
  ];
  for (const [resolved, role] of roles) {
    for (const [at, full] of points.entries()) {
      const point = project(full, resolved.definition);
      const params = parsePoint(loaded, resolved, point);
      const shape = resolved.definition.shape(params);
      const identity = {
        kernel: { name: resolved.definition.name, version: resolved.definition.version },
        params,
        inputs,
        budget: measurementBudget(spec.bench),
      };
      const config_hash = await configHash(identity);
      if (role === "baseline") baselineAt[at] = config_hash;
      const baseline_hash = role === "kernel" && baseline ? baselineAt[at] : undefined;
      const earlier = seen.get(config_hash);
      if (earlier) {
        if (earlier.baseline_hash !== baseline_hash) {
          throw ambiguousBaseline(loaded, earlier, resolved, baseline!, full);
        }
        continue;
      }
      const inputs_key = canonicalJson({
        generator: inputs.generator,
        options: inputs.options,
        seed: inputs.seed,
        shape,
      });
      const planned: CasePlan = {
        index: cases.length,
        role,
        kernel: resolved,
        point,
        params,
        shape,
        config_hash,
        inputs_key,
        ...(baseline_hash === undefined ? {} : { baseline_hash }),
      };
      seen.set(config_hash, planned);
      cases.push(planned);
    }
  }
  if (cases.length > maxCases) checkCaseCount(loaded, kernels.length, maxCases, cases.length);
  const running = options.filter?.length ? selectPlannedCases(cases, options.filter) : cases;
  warnings.push(...pluginCaseWarnings(plugins, running));
  if (!options.force) checkMemoryNeeds(loaded, running, os.totalmem());
  return {
    loaded,
    kernels,
    baseline,
    generator,
    generatorOptions: parsedOptions.output,
    budget: spec.bench,
    plugins,
    cases,
    warnings,
  };
}

/**
 * Each plugin's warnings about the cases that will run (`checkCases`), prefixed with the plugin's
 * name; a hook that throws is the plugin's fault, reported as such (exit 2), not as attnbench's.
 */
function pluginCaseWarnings(plugins: ResolvedPlugin[], cases: CasePlan[]): string[] {
  const planned = cases.map((c) => ({ kernel: c.kernel.definition.name, params: c.params }));
  return plugins.flatMap((p) => {
    let warnings: string[];
    try {
      warnings = p.definition.checkCases?.(p.options, planned) ?? [];
    } catch (cause) {
      throw new PluginError("PLUGIN_HOOK", p.definition.name, "checkCases", cause);
    }
    return warnings.map((w) => `[profiler ${p.definition.name}] ${w}`);
  });
}

/**
 * A kernel case made from several grid points whose baseline cases differ: an axis the baseline
 * takes and the kernel does not. Pairing it with any one of them would be a guess.
 */
function ambiguousBaseline(
  loaded: LoadedSpec,
  earlier: CasePlan,
  kernel: ResolvedKernel,
  baseline: ResolvedKernel,
  full: Point,
): SpecError {
  const takes = (k: ResolvedKernel, name: string) => name in k.definition.params.entries;
  const axis =
    Object.keys(loaded.spec.params).find((name) =>
      Array.isArray(loaded.spec.params[name]) && takes(baseline, name) && !takes(kernel, name)
    ) ?? Object.keys(full)[0];
  return new SpecError(
    "SPEC_AMBIGUOUS_BASELINE",
    `params.${axis} is an axis of baseline ${baseline.definition.name} but not a parameter of kernel ${kernel.definition.name}: ` +
      `each ${kernel.definition.name} case (e.g. [${
        earlier.config_hash.slice(0, 8)
      }]) would have one baseline per ${axis} value, ` +
      `and none is the one to compare with; expected one value for ${axis}, or an exclude that keeps one`,
    loaded.source.locate(["params", axis], { key: true }),
  );
}

function checkParams(loaded: LoadedSpec, kernels: ResolvedKernel[]): void {
  const { spec, source } = loaded;
  for (const [name, value] of Object.entries(spec.params)) {
    const takers = kernels.filter((k) => name in k.definition.params.entries);
    if (takers.length === 0) {
      const known = [...new Set(kernels.flatMap((k) => Object.keys(k.definition.params.entries)))].join(", ");
      const names = kernels.map((k) => k.definition.name).join(" or ");
      throw new SpecError(
        "SPEC_UNKNOWN_PARAM",
        `"${name}" is not a parameter of ${names}; expected one of: ${known}`,
        source.locate(["params", name], { key: true }),
      );
    }
    const values = Array.isArray(value) ? value : [value];
    for (const [i, item] of values.entries()) {
      for (const taker of takers) {
        const schema = taker.definition.params.entries[name] as v.GenericSchema;
        const result = v.safeParse(schema, item);
        if (!result.success) {
          const path = Array.isArray(value) ? ["params", name, i] : ["params", name];
          throw issueToError(result.issues, path, source);
        }
      }
    }
  }
}

function gridPoints(loaded: LoadedSpec): { points: Point[]; warnings: string[] } {
  const { spec, source } = loaded;
  for (const [i, rule] of spec.exclude.entries()) {
    for (const name of Object.keys(rule)) {
      if (!(name in spec.params)) {
        throw new SpecError(
          "SPEC_EXCLUDE_PARAM",
          `exclude[${i}] names "${name}", which is not in params; expected one of: ${
            Object.keys(spec.params).join(", ")
          }`,
          source.locate(["exclude", i, name], { key: true }),
        );
      }
    }
  }
  const { points, unusedExcludes } = expandGrid(spec.params, spec.exclude);
  if (points.length === 0) {
    throw new SpecError(
      "SPEC_EMPTY_GRID",
      `exclude removes every grid point; expected at least one point to remain`,
      source.locate(["exclude"]),
    );
  }
  const warnings = unusedExcludes.map((i) => {
    const at = source.locate(["exclude", i]);
    return `${at.file}:${at.line}:${at.column}: exclude[${i}] matches no grid point`;
  });
  return { points, warnings };
}

/** A warning when `output.dir` lies outside both the working directory and the spec's folder. */
function outputDirWarnings(loaded: LoadedSpec): string[] {
  const dir = loaded.spec.output.dir;
  if (dir === undefined) return [];
  const target = path.resolve(dir);
  const inside = (root: string) => {
    const relative = path.relative(root, target);
    return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
  };
  if (inside(process.cwd()) || inside(loaded.dir)) return [];
  const at = loaded.source.locate(["output", "dir"]);
  return [
    `${at.file}:${at.line}:${at.column}: output.dir resolves to ${target}, outside both the working directory (${process.cwd()}) and the spec's folder (${loaded.dir}); relative paths resolve from the working directory`,
  ];
}

// deno-lint-ignore no-explicit-any
function project(point: Point, kernel: KernelDefinition<any>): Point {
  return Object.fromEntries(Object.entries(point).filter(([name]) => name in kernel.params.entries));
}

function parsePoint(loaded: LoadedSpec, kernel: ResolvedKernel, point: Point): Record<string, unknown> {
  const result = v.safeParse(kernel.definition.params, point);
  if (result.success) return result.output as Record<string, unknown>;
  const issue = result.issues[0];
  const field = issue.path?.[0]?.key;
  const where = typeof field === "string" && field in loaded.spec.params ? ["params", field] : ["params"];
  const values = Object.entries(point).map(([k, x]) => `${k}=${renderValue(x)}`).join(" ");
  throw new SpecError(
    "SPEC_INVALID_POINT",
    `${
      formatPath(where)
    }: kernel ${kernel.definition.name} rejects the point ${values}: expected ${issue.message}`,
    loaded.source.locate(where),
  );
}

/**
 * The cases that `--filter` expressions select (all of them when there is none), with the
 * baseline cases the selected kernel cases are compared with.
 *
 * @example
 * ```ts
 * selectPlannedCases(plan.cases, ["kernel=flash,seq_len>=256"]);
 * ```
 */
export function selectPlannedCases(cases: CasePlan[], filter: string[]): CasePlan[] {
  const items = cases.map((c) => ({
    config_hash: c.config_hash,
    kernel: c.kernel.definition.name,
    role: c.role,
    params: c.params,
    plan: c,
  }));
  const chosen = new Set(selectCases(items, filter).map((item) => item.plan));
  // A selected kernel case brings the baseline case it is compared with, in plan order.
  const needed = new Set([...chosen].map((c) => c.baseline_hash).filter((hash) => hash !== undefined));
  return cases.filter((c) => chosen.has(c) || needed.has(c.config_hash));
}
