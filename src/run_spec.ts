/**
 * The whole pipeline in one call: load a spec file, plan it, run it.
 *
 * @example
 * ```ts
 * import { runSpec } from "./run_spec.ts";
 * const { outputDir, manifest } = await runSpec("specs/softmax-sweep.yaml", { outputDir: "/tmp/sweep" });
 * ```
 * @module
 */
import { type PlanOptions, planRun } from "./plan.ts";
import { type RunOptions, runPlan, type RunResult } from "./runner.ts";
import { loadSpec } from "./spec/load.ts";

/**
 * Loads, validates, plans and runs a spec file.
 *
 * @example
 * ```ts
 * await runSpec("specs/softmax-sweep.yaml", { filter: ["seq_len=64"] });
 * ```
 */
export async function runSpec(file: string, options: RunOptions & PlanOptions = {}): Promise<RunResult> {
  return await runPlan(await planRun(await loadSpec(file), options), options);
}
