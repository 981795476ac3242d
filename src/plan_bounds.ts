/**
 * Bounds a plan must keep before anything is expanded or measured: how many cases the grid makes
 * (counted, not expanded), how much memory each case's kernel says it needs, and which column
 * names a parameter may take in results.csv.
 *
 * The default case cap, 10 000, is about what a study can take: at the default budget a case
 * costs at least half a second (`min_time_ms` 500), so 10 000 cases are well over an hour on one
 * machine, and a grid beyond that is far more often a mistyped axis than an intended study.
 * `--max-cases N` raises it.
 *
 * @example
 * ```ts
 * import { checkCaseCount, DEFAULT_MAX_CASES } from "./plan_bounds.ts";
 * checkCaseCount(loaded, 1, DEFAULT_MAX_CASES); // throws SpecError SPEC_TOO_MANY_CASES for a 10⁹-point grid
 * ```
 * @module
 */
import { caseLabel } from "./case_info.ts";
import { SpecError } from "./errors.ts";
import { countGrid } from "./grid.ts";
import { caseLimits } from "./limits.ts";
import { CORE_COLUMNS, pluginPrefix } from "./output/result_rows.ts";
import type { CasePlan } from "./case_plan.ts";
import type { ResolvedKernel } from "./resolve.ts";
import type { LoadedSpec } from "./spec/load.ts";

/**
 * Cases a run may have unless `--max-cases` says otherwise.
 *
 * @example
 * ```ts
 * await planRun(loaded, { maxCases: DEFAULT_MAX_CASES * 10 });
 * ```
 */
export const DEFAULT_MAX_CASES = 10_000;

/**
 * Refuses a grid whose points × kernels exceed `maxCases`, before expanding it; with `total`
 * (the expanded plan's count, baseline cases included), refuses that instead.
 *
 * @example
 * ```ts
 * checkCaseCount(loaded, 2, 10_000); // returns, or throws naming the count
 * ```
 */
export function checkCaseCount(loaded: LoadedSpec, kernels: number, maxCases: number, total?: number): void {
  const { spec, source } = loaded;
  const grid = total === undefined ? countGrid(spec.params, spec.exclude) : { points: total, exact: true };
  const cases = total ?? grid.points * kernels;
  if (cases <= maxCases) return;
  const axes = Object.entries(spec.params)
    .filter(([, value]) => Array.isArray(value))
    .map(([name, value]) => `${name} ${(value as unknown[]).length}`)
    .join(" × ");
  throw new SpecError(
    "SPEC_TOO_MANY_CASES",
    `the grid makes ${grid.exact ? "" : "up to "}${cases.toLocaleString("en-US")} cases (${
      axes || "no axes"
    }${kernels > 1 && total === undefined ? ` × ${kernels} kernels` : ""}${
      spec.exclude.length > 0 ? ", after excludes" : ""
    }${total === undefined ? "" : ", with the baseline's"}); expected at most ${
      maxCases.toLocaleString("en-US")
    }` +
      ` (--max-cases; raise it if the grid is meant)`,
    source.locate(["params"], { key: true }),
  );
}

/**
 * Refuses a case whose kernel's `memory()` estimate exceeds what a case may use: the smaller of
 * the machine's memory and `bench.memory_limit_mb` (default half the machine).
 *
 * @example
 * ```ts
 * checkMemoryNeeds(loaded, plan.cases, os.totalmem()); // throws SPEC_MEMORY for seq_len 10⁷
 * ```
 */
export function checkMemoryNeeds(loaded: LoadedSpec, cases: CasePlan[], machineBytes: number): void {
  const capBytes = caseLimits(loaded.spec.bench, machineBytes).memory_limit_mb * 1048576;
  const available = Math.min(capBytes, machineBytes);
  for (const c of cases) {
    const estimate = c.kernel.definition.memory?.(c.params);
    if (!estimate) continue;
    const needed = estimate.kv_cache_bytes + estimate.activation_bytes + estimate.temp_buffer_bytes;
    if (!(needed > available)) continue;
    const field = Object.keys(c.point).find((name) => name === "seq_len") ?? Object.keys(c.point)[0];
    throw new SpecError(
      "SPEC_MEMORY",
      `case ${c.index} (${caseLabel(c)}) needs an estimated ${
        bytes(needed)
      } (its kernel's memory(): KV cache, ` +
        `activations and scratch), more than the ${
          bytes(available)
        } a case may use here (bench.memory_limit_mb, ` +
        `default half of this machine's ${
          bytes(machineBytes)
        }); lower the size, or pass --force to try anyway`,
      loaded.source.locate(field === undefined ? ["params"] : ["params", field]),
    );
  }
}

/**
 * Refuses a parameter whose results.csv column would collide with one the core writes
 * (`config_hash`, `status`, `error`, ...) or with a plugin's metrics (`<plugin>_<metric>`): every
 * parameter a kernel declares counts, since defaults are written too.
 *
 * @example
 * ```ts
 * checkColumnNames(loaded, plan.kernels, ["latency", "memory"]); // throws for a parameter named config_hash
 * ```
 */
export function checkColumnNames(loaded: LoadedSpec, kernels: ResolvedKernel[], pluginNames: string[]): void {
  for (const [i, kernel] of kernels.entries()) {
    for (const name of Object.keys(kernel.definition.params.entries)) {
      const plugin = pluginNames.find((p) => name.startsWith(pluginPrefix(p)));
      if (!CORE_COLUMNS.includes(name) && plugin === undefined) continue;
      const inSpec = Object.hasOwn(loaded.spec.params, name);
      throw new SpecError(
        "SPEC_COLUMN_CLASH",
        `kernel ${kernel.definition.name} has a parameter "${name}", which would be written as results.csv column "${name}", ${
          plugin === undefined ? "a column attnbench writes itself" : `where plugin ${plugin}'s metrics go`
        }; expected parameter names other than ${CORE_COLUMNS.join(", ")} and <plugin>_...`,
        inSpec
          ? loaded.source.locate(["params", name], { key: true })
          : loaded.source.locate(kernelField(loaded, i, kernels.length)),
      );
    }
  }
}

/** The spec field that names the i-th of `count` kernels (the baseline last). */
function kernelField(loaded: LoadedSpec, i: number, count: number): (string | number)[] {
  const listed = Array.isArray(loaded.spec.kernel) ? loaded.spec.kernel.length : 1;
  if (i >= listed && count > listed) return ["baseline"];
  return Array.isArray(loaded.spec.kernel) ? ["kernel", i] : ["kernel"];
}

function bytes(n: number): string {
  if (!Number.isFinite(n)) return "more bytes than a number can hold";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) n /= 1024, i++;
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
