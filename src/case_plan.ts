/**
 * The shape of one planned case, apart from the planner, so that what reads cases (labels,
 * bounds, plugins' case info) need not import the planner.
 *
 * @example
 * ```ts
 * import type { CasePlan } from "./case_plan.ts";
 * const label = (c: CasePlan) => `${c.kernel.definition.name} [${c.config_hash.slice(0, 8)}]`;
 * ```
 * @module
 */
import type { InputShape } from "./contracts.ts";
import type { Point } from "./grid.ts";
import type { ResolvedKernel } from "./resolve.ts";

/** One case: a kernel at one parameter point. */
export interface CasePlan {
  /** Position in the full plan (stable under --filter). */
  index: number;
  role: "kernel" | "baseline";
  kernel: ResolvedKernel;
  /** The point as written in the spec (only the parameters this kernel takes). */
  point: Point;
  /** The point after the kernel's schema filled in defaults. */
  params: Record<string, unknown>;
  shape: InputShape;
  config_hash: string;
  /** Identifies the inputs: cases with the same key see the same Q, K, V. */
  inputs_key: string;
  /**
   * For a kernel case of a spec with a baseline: the config hash of the baseline case made from
   * the same grid point (same inputs, same values of every parameter both kernels take).
   */
  baseline_hash?: string;
}
