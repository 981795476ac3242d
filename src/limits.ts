/**
 * The caps a supervised case runs under, and the part of `bench` that is a measurement budget.
 * `bench.timeout_ms` and `bench.memory_limit_mb` bound a case's wall time and its worker's memory;
 * they decide whether a case finishes, never what it measures, so they are left out of the config
 * hash (raising one and resuming a run keeps every hash).
 *
 * Defaults: `timeout_ms` = 60 000 + 3 × `max_time_ms` (90 s for the default 10 s budget: room for
 * input generation, evaluation samples, warm-up and the plugins); `memory_limit_mb` = half of the
 * machine's memory.
 *
 * @example
 * ```ts
 * import { caseLimits, measurementBudget } from "./limits.ts";
 * caseLimits({ max_time_ms: 10_000 } as Budget).timeout_ms; // 90000
 * measurementBudget(spec.bench); // bench without timeout_ms and memory_limit_mb
 * ```
 * @module
 */
import os from "node:os";
import type { Budget } from "./spec/schema.ts";

/** Caps of every case of a run. */
export interface CaseLimits {
  /** Wall-clock cap of one case (and of plugin setup, report and teardown), ms. */
  timeout_ms: number;
  /** Resident memory cap of the worker process, MiB (V8 runtimes also cap their JS heap here). */
  memory_limit_mb: number;
}

/**
 * The caps for a budget, defaults filled in.
 *
 * @example
 * ```ts
 * caseLimits({ ...budget, timeout_ms: 3000 }).timeout_ms; // 3000
 * ```
 */
export function caseLimits(budget: Budget, totalMemoryBytes: number = os.totalmem()): CaseLimits {
  return {
    timeout_ms: budget.timeout_ms ?? 60_000 + 3 * budget.max_time_ms,
    memory_limit_mb: budget.memory_limit_mb ?? Math.floor(totalMemoryBytes / 2 / 1048576),
  };
}

/**
 * `bench` without the caps: the measurement budget that joins a case's config hash.
 *
 * @example
 * ```ts
 * measurementBudget({ ...budget, timeout_ms: 5000 }); // budget, no timeout_ms
 * ```
 */
export function measurementBudget(budget: Budget): Omit<Budget, "timeout_ms" | "memory_limit_mb"> {
  const { timeout_ms: _timeout, memory_limit_mb: _memory, ...measured } = budget;
  return measured;
}
