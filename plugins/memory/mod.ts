/**
 * `memory`: what a case costs in memory, measured in the same window as its timing, with the
 * kernel's analytic bytes beside the measured ones.
 *
 * Per case, `start` (after `prepare`, just before the timed loop) forces a GC where the runtime
 * can, resets the kernel's RSS high-water mark (`/proc/self/clear_refs`) and reads RSS, JS heap
 * and array-buffer bytes; `stop` (right after the loop) reads them again and the peak RSS of
 * the window. Nothing runs inside the timed loop, so the timing is not moved. With
 * `allocation_calls`, `stop` then calls `run()` that many more times per round, after the
 * window, to measure the heap bytes one call allocates (see `allocation.ts`); not for an
 * asynchronous kernel (a GPU kernel), whose `alloc_method` then says so.
 *
 * results.csv columns (prefixed `memory_`): `measured_*` figures were read from the process,
 * `computed_*` come from the kernel's `memory(params)`; `peak_method`, `heap_source` and
 * `buffer_source` name where the measured figures come from (codes in docs/outputs.md).
 * `memory/<config_hash>.csv` keeps the original profiler's columns
 * `timestamp_us,peak_rss_bytes,kv_cache_bytes,activation_bytes,temp_buffer_bytes` (+
 * `config_hash`), one row per case: `peak_rss_bytes` is the measured peak of the window (the
 * original wrote the current RSS there), the other three are computed.
 *
 * @example
 * ```yaml
 * plugins:
 *   - memory                          # or, with the allocation check:
 *   - memory: { allocation_calls: 16 }
 * ```
 * @module
 */
import * as v from "valibot";
import {
  type Availability,
  type CaseContext,
  defineProfiler,
  type Metrics,
  type ProfilerDefinition,
  type Table,
} from "../../plugin_kit.ts";
import { collectGarbage } from "../../plugin_kit.ts";
import { allocationPerCall } from "./allocation.ts";
import { type MemoryProbes, memoryProbes, type MemoryReading, peakRss } from "./probes.ts";

const options = v.strictObject({
  /** Force a full GC before each window where the runtime allows it (Bun's `Bun.gc`, V8's `gc`). */
  gc: v.optional(v.boolean("gc must be true or false"), true),
  /** Calls of `run()` per round of the allocation check after each window; 0 turns it off. */
  allocation_calls: v.optional(
    v.pipe(
      v.number(),
      v.integer("allocation_calls must be a whole number"),
      v.minValue(0, "allocation_calls must be ≥ 0"),
    ),
    0,
  ),
});

/**
 * Options of the memory profiler.
 *
 * @example
 * ```ts
 * const options: MemoryOptions = { gc: true, allocation_calls: 16 };
 * ```
 */
export type MemoryOptions = v.InferOutput<typeof options>;

const CSV_COLUMNS = [
  "timestamp_us",
  "peak_rss_bytes",
  "kv_cache_bytes",
  "activation_bytes",
  "temp_buffer_bytes",
];

/**
 * The memory profiler.
 *
 * @example
 * ```ts
 * import memory from "./mod.ts";
 * await memory.detect?.(env, { gc: true, allocation_calls: 0 }, hostContext); // true, or a note on how peaks are taken
 * ```
 */
const memory: ProfilerDefinition<MemoryOptions> = defineProfiler({
  name: "memory",
  apiVersion: 1,
  description:
    "RSS, peak RSS of the timed window, JS heap and array-buffer bytes, beside the kernel's analytic bytes",
  options,
  metrics: {
    measured_rss_start_bytes: {
      type: "integer",
      unit: "bytes",
      description: "resident set size when the timed window started",
    },
    measured_rss_end_bytes: {
      type: "integer",
      unit: "bytes",
      description: "resident set size when it ended",
    },
    measured_peak_rss_bytes: {
      type: "integer",
      unit: "bytes",
      description: "peak resident set size over the window (see peak_method)",
    },
    measured_peak_over_start_bytes: {
      type: "integer",
      unit: "bytes",
      description: "peak minus start resident set size",
    },
    measured_heap_used_start_bytes: {
      type: "integer",
      unit: "bytes",
      description: "JS heap in use at the start (see heap_source)",
    },
    measured_heap_used_end_bytes: {
      type: "integer",
      unit: "bytes",
      description: "JS heap in use at the end",
    },
    measured_buffer_start_bytes: {
      type: "integer",
      unit: "bytes",
      description: "typed-array and ArrayBuffer storage at the start (see buffer_source)",
    },
    measured_buffer_end_bytes: { type: "integer", unit: "bytes", description: "that storage at the end" },
    computed_kv_cache_bytes: {
      type: "integer",
      unit: "bytes",
      description: "K and V bytes from the kernel's memory() estimate",
    },
    computed_activation_bytes: {
      type: "integer",
      unit: "bytes",
      description: "activation bytes from the kernel's memory() estimate",
    },
    computed_temp_buffer_bytes: {
      type: "integer",
      unit: "bytes",
      description: "temporary buffer bytes from the kernel's memory() estimate",
    },
    peak_method: { type: "string", description: "how the peak was read (e.g. VmHWM reset per window)" },
    heap_source: { type: "string", description: "where the heap figures come from" },
    buffer_source: { type: "string", description: "where the buffer figures come from" },
    measured_alloc_bytes_per_call: {
      type: "double",
      unit: "bytes",
      description: "bytes allocated per call (allocation_calls > 0)",
    },
    alloc_method: { type: "string", description: "how allocation per call was measured" },
  },
  detect(): Availability {
    const peak = peakRss();
    if (peak.no_reset_reason === undefined) return true;
    return {
      available: true,
      note: `peak RSS is the process's lifetime maxRSS, not each case's: ${peak.no_reset_reason}`,
    };
  },
  create(opts) {
    const peak = peakRss();
    let probes: MemoryProbes;
    const gc = opts.gc ? collectGarbage() : undefined;
    let start: MemoryReading;
    let row: (number | null)[] = [];
    return {
      async setup() {
        probes = await memoryProbes();
      },
      async start() {
        if (gc) {
          gc();
          await new Promise((resolve) => setTimeout(resolve, 0)); // freed buffers go back on the next tick (Deno)
        }
        peak.reset();
        start = probes.read();
      },
      async stop(ctx: CaseContext): Promise<Metrics> {
        const end = probes.read();
        // The kernel's RSS counters are approximate (per-CPU batches), so a VmHWM read here can
        // trail the RSS read at start by a few pages; the window's peak is at least both readings.
        const peakBytes = Math.max(peak.read(), start.rss_bytes, end.rss_bytes);
        const timestamp = Math.round((performance.timeOrigin + performance.now()) * 1000);
        const analytic = ctx.case.analytic.memory;
        const [kv, activation, temp] = analytic
          ? [analytic.kv_cache_bytes, analytic.activation_bytes, analytic.temp_buffer_bytes]
          : [null, null, null];
        const metrics: Metrics = {
          measured_rss_start_bytes: start.rss_bytes,
          measured_rss_end_bytes: end.rss_bytes,
          measured_peak_rss_bytes: peakBytes,
          measured_peak_over_start_bytes: peakBytes - start.rss_bytes,
          measured_heap_used_start_bytes: start.heap_used_bytes,
          measured_heap_used_end_bytes: end.heap_used_bytes,
          measured_buffer_start_bytes: start.buffer_bytes,
          measured_buffer_end_bytes: end.buffer_bytes,
          computed_kv_cache_bytes: kv,
          computed_activation_bytes: activation,
          computed_temp_buffer_bytes: temp,
          peak_method: peak.method,
          heap_source: probes.heap_source,
          buffer_source: probes.buffer_source,
        };
        row = [timestamp, peakBytes, kv, activation, temp];
        // An asynchronous kernel's calls must be awaited one by one, and each allocates its
        // promise by design: the heap check is for synchronous kernels (as in checkKernel).
        if (opts.allocation_calls > 0 && !ctx.instance.asynchronous) {
          const instance = ctx.instance;
          const check = await allocationPerCall(() => instance.run(), { calls: opts.allocation_calls });
          metrics.measured_alloc_bytes_per_call = check.bytes_per_call;
          metrics.alloc_method = check.method;
        } else if (opts.allocation_calls > 0) {
          metrics.alloc_method = "not measured: asynchronous kernel";
        }
        return metrics;
      },
      tables(): Table[] {
        return [{ name: "memory", columns: CSV_COLUMNS, rows: [row] }];
      },
    };
  },
});

export default memory;
