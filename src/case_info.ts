/**
 * What plugins are told about a case ({@link CaseInfo}), built the same way by the supervisor and
 * by the worker that measures it.
 *
 * @example
 * ```ts
 * import { caseInfo } from "./case_info.ts";
 * const info = caseInfo(plan.cases[3], 0, 1);
 * info.analytic.flops; // the kernel's flops() at this point
 * ```
 * @module
 */
import type { CaseInfo } from "./contracts.ts";
import type { CasePlan } from "./case_plan.ts";

/**
 * The case at `position` of a run of `total` cases.
 *
 * @example
 * ```ts
 * caseInfo(plan.cases[0], 0, plan.cases.length).config_hash; // "3f2a…"
 * ```
 */
export function caseInfo(c: CasePlan, position: number, total: number): CaseInfo {
  const definition = c.kernel.definition;
  return {
    index: position,
    total,
    config_hash: c.config_hash,
    role: c.role,
    kernel: { name: definition.name, version: definition.version },
    params: c.params,
    shape: c.shape,
    analytic: { flops: definition.flops?.(c.params), memory: definition.memory?.(c.params) },
    inputs_key: c.inputs_key,
    ...(c.baseline_hash === undefined ? {} : { baseline_hash: c.baseline_hash }),
  };
}

/**
 * `softmax seq_len=64 d=32 [3f2a1c0d]`: how progress lines and messages name a case.
 *
 * @example
 * ```ts
 * caseLabel(plan.cases[0]); // "baseline softmax seq_len=64 [3f2a1c0d]"
 * ```
 */
export function caseLabel(c: CasePlan): string {
  const params = formatParams(c.point);
  return `${c.role === "baseline" ? "baseline " : ""}${c.kernel.definition.name} ${params} [${
    c.config_hash.slice(0, 8)
  }]`;
}

/**
 * Parameters as `seq_len=64 d=32 causal=false`, in their order.
 *
 * @example
 * ```ts
 * formatParams({ seq_len: 64, d: 32 }); // "seq_len=64 d=32"
 * ```
 */
export function formatParams(params: Record<string, unknown>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`).join(" ");
}
