/**
 * Heap bytes a function allocates per call — the idea of dhat's testing mode: a kernel test
 * asserts an upper bound, so a hot path that starts allocating fails a test instead of slowing
 * a benchmark. Measured outside any timed window.
 *
 * How, per engine (each figure is labelled with its `method`):
 * - V8 (Deno, Node): `used_heap_size + external_memory` of `node:v8` read before and after each
 *   call; the median per-call difference, minus the median difference of an empty call (the
 *   probe's own allocation). Objects, arrays and typed-array storage all count; a GC inside a
 *   call shows as a negative difference, which the median ignores — unless a GC runs in every
 *   call: a call allocating tens of MiB of typed arrays makes V8 collect the previous call's
 *   inside it, and then reads as (nearly) nothing. (V8's cumulative `total_allocated_bytes`
 *   moves in steps of its 32 KiB allocation buffers, too coarse per call.)
 * - JavaScriptCore (Bun): its heap counters move only at GC, so per-call differences read 0.
 *   Instead mimalloc's cumulative `malloc_requested` (`bun:jsc` `heapStats()`, milliseconds per
 *   read, so only around the whole loop) over `calls` calls, minus the same over as many empty
 *   calls. It counts typed-array and array storage (malloc'd), **not** small objects JSC keeps
 *   in its own GC heap: an allocated `{}` per call reads 0 on Bun.
 *
 * @example
 * ```ts
 * import { allocationPerCall } from "./allocation.ts";
 *
 * const scratch = new Float64Array(64);
 * const { bytes_per_call } = await allocationPerCall(() => scratch.fill(1));
 * bytes_per_call; // 0
 * (await allocationPerCall(() => new Float64Array(64))).bytes_per_call; // ≈ 512 (+ the object on V8)
 * ```
 * @module
 */
import v8 from "node:v8";
import { collectGarbage, runtimeName } from "../../plugin_kit.ts";
import { mimalloc } from "./probes.ts";

/**
 * Bytes allocated per call, as measured.
 *
 * @example
 * ```ts
 * const report: AllocationReport = await allocationPerCall(() => kernel.run(), { calls: 16 });
 * if (report.bytes_per_call > 64) throw new Error(`run() allocates ${report.bytes_per_call} B (${report.method})`);
 * ```
 */
export interface AllocationReport {
  /** Bytes allocated per call beyond what an empty call allocates; never below 0. */
  bytes_per_call: number;
  /** Calls measured (after the warm-up calls). */
  calls: number;
  /** `v8.used_heap_size+external_memory` or `mimalloc.malloc_requested`. */
  method: string;
}

/**
 * Options of {@link allocationPerCall}.
 *
 * @example
 * ```ts
 * const options: AllocationOptions = { calls: 32, rounds: 5, warmup: 100, warmup_ms: 300 };
 * ```
 */
export interface AllocationOptions {
  /** Calls per round; default 16. */
  calls?: number;
  /**
   * Rounds of `calls` calls, each followed by a round of as many empty calls; the smallest call
   * round less the smallest empty round is reported, since everything else that allocates
   * meanwhile (the JIT installing optimised code, other threads on Bun) only adds to either.
   * Default 5.
   */
  rounds?: number;
  /**
   * Unmeasured calls first, at least this many and for at least `warmup_ms`; default 3.
   * Unoptimised JS boxes floating-point results on the heap, so a kernel measured before the JIT
   * optimised it allocates more than in the timed loop.
   */
  warmup?: number;
  /** Least time spent on warm-up calls, ms; default 100. */
  warmup_ms?: number;
}

/**
 * Measures the heap bytes `call` allocates per call. Throws a `RangeError` unless `calls`,
 * `rounds` and `warmup` are whole numbers (`calls` and `rounds` at least 1) and `warmup_ms` ≥ 0.
 *
 * @example
 * ```ts
 * const { bytes_per_call, method } = await allocationPerCall(() => instance.run(), { calls: 8 });
 * ```
 */
export async function allocationPerCall(
  call: () => void,
  options: AllocationOptions = {},
): Promise<AllocationReport> {
  const { calls = 16, rounds = 5, warmup = 3, warmup_ms = 100 } = options;
  if (
    ![calls, rounds, warmup].every(Number.isInteger) || calls < 1 || rounds < 1 || warmup < 0 ||
    !(warmup_ms >= 0)
  ) {
    throw new RangeError(
      `allocation check got calls ${calls}, rounds ${rounds}, warmup ${warmup}, warmup_ms ${warmup_ms}; ` +
        "expected whole numbers, calls and rounds ≥ 1, and warmup_ms ≥ 0",
    );
  }
  const empty = (): void => {};
  const warmEnd = performance.now() + warmup_ms;
  for (let i = 0; i < warmup || performance.now() < warmEnd; i++) call();
  const round = await roundMeasure(calls);
  // Noise only adds bytes, to the call's rounds and the empty call's alike: the smallest of each
  // is its best estimate. (The smallest difference would let one noisy empty round hide a call.)
  let fewestCall = Infinity, fewestEmpty = Infinity;
  for (let r = 0; r < rounds; r++) {
    fewestCall = Math.min(fewestCall, round.bytes(call));
    fewestEmpty = Math.min(fewestEmpty, round.bytes(empty));
  }
  return { bytes_per_call: Math.max(0, fewestCall - fewestEmpty), calls, method: round.method };
}

/** How one round measures bytes per call on this engine. */
async function roundMeasure(calls: number): Promise<{ method: string; bytes(call: () => void): number }> {
  if (runtimeName() === "bun") {
    const counters = await mimalloc();
    const requested = (): number => counters().requested_bytes;
    return {
      method: "mimalloc.malloc_requested",
      bytes: (call) => loopBytes(call, calls, requested) / calls,
    };
  }
  const used = (): number => {
    const heap = v8.getHeapStatistics();
    return heap.used_heap_size + heap.external_memory;
  };
  return { method: "v8.used_heap_size+external_memory", bytes: (call) => medianCallBytes(call, calls, used) };
}

/** Counter increase over `calls` calls in one loop, after a full GC where one can be forced. */
function loopBytes(call: () => void, calls: number, counter: () => number): number {
  collectGarbage()?.();
  const before = counter();
  for (let i = 0; i < calls; i++) call();
  return counter() - before;
}

/** Median counter increase across single calls. */
function medianCallBytes(call: () => void, calls: number, counter: () => number): number {
  const deltas = new Array<number>(calls);
  for (let i = 0; i < calls; i++) {
    const before = counter();
    call();
    deltas[i] = counter() - before;
  }
  deltas.sort((a, b) => a - b);
  return deltas[Math.floor(calls / 2)];
}
