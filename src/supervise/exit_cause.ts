/**
 * Why a worker process ended, in the words a user reads in the manifest: `timed out after 3000 ms
 * during run()`, `exited with code 0 during run()`, `out of memory during run(): ...`,
 * `killed by SIGSEGV during prepare()`, `uncaught error during [profiler x] stop(): ...`.
 *
 * @example
 * ```ts
 * import { exitCause } from "./exit_cause.ts";
 * exitCause({ code: 0, signal: null, phase: "run()", stderrTail: "", heapLimitMb: 2048 });
 * // "exited with code 0 during run()"
 * ```
 * @module
 */

/** What is known about a worker that ended. */
export interface WorkerEnd {
  code: number | null;
  signal: string | null;
  /** The phase it had last announced. */
  phase: string;
  /** The last part of what it wrote on stderr (V8 prints its out-of-memory abort there). */
  stderrTail: string;
  /** The message of an uncaught error it reported before exiting. */
  uncaught?: string;
  /** The JS heap cap it ran under, when the runtime has one. */
  heapLimitMb?: number;
}

const OUT_OF_MEMORY = /heap out of memory|JavaScript out of memory|out of memory|Allocation failed/i;

/**
 * The cause of a worker's end, one line.
 *
 * @example
 * ```ts
 * exitCause({ code: null, signal: "SIGTRAP", phase: "run()", stderrTail: "Fatal JavaScript out of memory", heapLimitMb: 256 });
 * // "out of memory during run(): the JS heap reached its 256 MiB limit (bench.memory_limit_mb)"
 * ```
 */
export function exitCause(end: WorkerEnd): string {
  const during = `during ${end.phase}`;
  if (OUT_OF_MEMORY.test(end.uncaught ?? "") || OUT_OF_MEMORY.test(end.stderrTail)) {
    const limit = end.heapLimitMb === undefined
      ? "the runtime could not allocate more memory"
      : `the JS heap reached its ${end.heapLimitMb} MiB limit (bench.memory_limit_mb)`;
    return `out of memory ${during}: ${limit}`;
  }
  if (end.uncaught !== undefined) return `uncaught error ${during}: ${end.uncaught}`;
  if (end.signal) return `killed by ${end.signal} ${during}`;
  return `exited with code ${end.code} ${during}`;
}
