/**
 * What a conformance check found, and the helpers every check shares.
 *
 * @example
 * ```ts
 * import { assertConformant } from "./report.ts";
 * assertConformant(await checkKernel(myKernel, { seq_len: 32 }));
 * ```
 * @module
 */
import { describe as describeThrown } from "../src/errors.ts";

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

/** The call's result, or `undefined` with a problem when it throws. */
export async function guarded<T>(
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

export function show(value: unknown): string {
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
