/**
 * Memory readings of this process, the same on Deno, Bun and Node where the runtimes agree and
 * labelled where they do not: resident set size, the JS heap in use, the bytes of array-buffer
 * storage, and the peak RSS of a window (the kernel's high-water mark reset at its start).
 *
 * Where each runtime puts typed-array memory differs (measured on Deno 2.9, Bun 1.4, Node 20):
 * Node counts it in `process.memoryUsage().arrayBuffers`; Deno reports `arrayBuffers` as 0 and
 * counts it in V8's `external_memory`; Bun's `external` is only what JSC was told about since its
 * last GC (it drops to 0 while the arrays live on), so on Bun the live bytes of its allocator,
 * mimalloc, are read instead (typed-array storage and any other native allocation). Each reading
 * carries a short code naming its source; docs/outputs.md lists them.
 *
 * @example
 * ```ts
 * import { memoryProbes, peakRss } from "./probes.ts";
 *
 * const probes = await memoryProbes();
 * const peak = peakRss();
 * peak.reset();
 * const before = probes.read();
 * // ... the measured window ...
 * console.log(peak.read() - before.rss_bytes, "bytes above the start", peak.method);
 * ```
 * @module
 */
import fs from "node:fs";
import process from "node:process";
import v8 from "node:v8";
import { runtimeName } from "../../plugin_kit.ts";

/**
 * One reading of the process's memory, in bytes.
 *
 * @example
 * ```ts
 * const { rss_bytes, heap_used_bytes, buffer_bytes }: MemoryReading = (await memoryProbes()).read();
 * ```
 */
export interface MemoryReading {
  /** Resident set size now (`process.memoryUsage.rss()`). */
  rss_bytes: number;
  /** JS heap in use, as the engine counts it (see `heap_source`). */
  heap_used_bytes: number;
  /** Array-buffer storage outside the JS heap, as this runtime counts it (see `buffer_source`). */
  buffer_bytes: number;
}

/**
 * Readers of {@link MemoryReading} for this runtime, with the source of each figure.
 *
 * @example
 * ```ts
 * const probes: MemoryProbes = await memoryProbes();
 * probes.heap_source; // "v8.used_heap_size" on Deno and Node, "jsc.heapUsed" on Bun
 * ```
 */
export interface MemoryProbes {
  /** `v8.used_heap_size` or `jsc.heapUsed`. */
  heap_source: string;
  /** `node.arrayBuffers`, `v8.external_memory` or `mimalloc.live`. */
  buffer_source: string;
  read(): MemoryReading;
}

/**
 * The probes of the running runtime. On Bun a read walks JSC's heap for its statistics
 * (milliseconds): read at a window's edges, never inside it.
 *
 * @example
 * ```ts
 * (await memoryProbes()).read().rss_bytes > 0; // true
 * ```
 */
export async function memoryProbes(): Promise<MemoryProbes> {
  switch (runtimeName()) {
    case "bun": {
      const allocator = await mimalloc();
      return {
        heap_source: "jsc.heapUsed",
        buffer_source: "mimalloc.live",
        read: () => {
          const usage = process.memoryUsage();
          return {
            rss_bytes: usage.rss,
            heap_used_bytes: usage.heapUsed,
            buffer_bytes: allocator().live_bytes,
          };
        },
      };
    }
    case "deno":
      return {
        heap_source: "v8.used_heap_size",
        buffer_source: "v8.external_memory",
        read: () => {
          const heap = v8.getHeapStatistics();
          return {
            rss_bytes: process.memoryUsage.rss(),
            heap_used_bytes: heap.used_heap_size,
            buffer_bytes: heap.external_memory,
          };
        },
      };
    case "node":
      return {
        heap_source: "v8.used_heap_size",
        buffer_source: "node.arrayBuffers",
        read: () => {
          const usage = process.memoryUsage();
          return { rss_bytes: usage.rss, heap_used_bytes: usage.heapUsed, buffer_bytes: usage.arrayBuffers };
        },
      };
  }
}

/**
 * Bun's allocator counters, from `bun:jsc` `heapStats().mimalloc`.
 *
 * @example
 * ```ts
 * const { requested_bytes, live_bytes }: MimallocCounters = (await mimalloc())();
 * ```
 */
export interface MimallocCounters {
  /** Bytes ever requested from mimalloc (cumulative: it never goes down). */
  requested_bytes: number;
  /** Bytes mimalloc holds for live allocations now. */
  live_bytes: number;
}

/** The part of `heapStats()` read here. */
interface JscHeapStats {
  mimalloc: {
    malloc_requested: number;
    malloc_normal: { current: number };
    malloc_huge: { current: number };
  };
}

let jsc: Promise<{ heapStats(): JscHeapStats }> | undefined;

/**
 * A reader of Bun's mimalloc counters (each read walks JSC's heap: milliseconds). Only on Bun;
 * elsewhere the import fails.
 *
 * @example
 * ```ts
 * const counters = await mimalloc();
 * counters().live_bytes;
 * ```
 */
export async function mimalloc(): Promise<() => MimallocCounters> {
  const specifier = "bun:jsc"; // not a literal import, so Deno's type checker never resolves it
  jsc ??= import(specifier);
  const module = await jsc;
  return () => {
    const stats = module.heapStats().mimalloc;
    return {
      requested_bytes: stats.malloc_requested,
      live_bytes: stats.malloc_normal.current + stats.malloc_huge.current,
    };
  };
}

/**
 * The peak RSS of a window: `reset()` at its start, `read()` at its end.
 *
 * @example
 * ```ts
 * const peak: PeakRss = peakRss();
 * peak.method; // "clear_refs+VmHWM" on Linux with /proc access
 * ```
 */
export interface PeakRss {
  /**
   * How the peak is taken: `clear_refs+VmHWM` (the kernel's high-water mark reset at the
   * window's start: the window's own peak) or `maxRSS-lifetime` (no reset possible: the
   * process's peak since it started, an upper bound of the window's).
   */
  method: "clear_refs+VmHWM" | "maxRSS-lifetime";
  /** Why the window's own peak cannot be taken here; absent when it can. */
  no_reset_reason?: string;
  /** Sets the high-water mark to the current RSS (nothing when it cannot be reset). */
  reset(): void;
  /** Peak RSS in bytes since the last `reset()`. */
  read(): number;
}

const CLEAR_REFS = "/proc/self/clear_refs";
const STATUS = "/proc/self/status";

/**
 * Finds the best way to take a window's peak RSS here. Writing `5` to `/proc/self/clear_refs`
 * (Linux ≥ 4.0) resets the high-water mark to the current RSS, and `VmHWM` of
 * `/proc/self/status` reads it; both are tried once now. Where either fails, the peak is
 * `process.resourceUsage().maxRSS` (KiB), the process's lifetime peak. Deno reads and writes
 * /proc only with all permissions (`-A`).
 *
 * @example
 * ```ts
 * const peak = peakRss();
 * if (peak.no_reset_reason) console.warn(`peaks are lifetime peaks: ${peak.no_reset_reason}`);
 * ```
 */
export function peakRss(): PeakRss {
  const resetProblem = tryClearRefs();
  const hwm = readVmHwm();
  const problem = resetProblem ?? (typeof hwm === "string" ? hwm : undefined);
  if (problem !== undefined) {
    return {
      method: "maxRSS-lifetime",
      no_reset_reason: problem,
      reset: () => {},
      read: () => process.resourceUsage().maxRSS * 1024,
    };
  }
  return {
    method: "clear_refs+VmHWM",
    reset: () => {
      const failed = tryClearRefs();
      if (failed !== undefined) throw new Error(failed);
    },
    read: () => {
      const bytes = readVmHwm();
      if (typeof bytes === "string") throw new Error(bytes);
      return bytes;
    },
  };
}

/** Resets the RSS high-water mark; returns why it could not. */
function tryClearRefs(): string | undefined {
  try {
    fs.writeFileSync(CLEAR_REFS, "5");
    return undefined;
  } catch (err) {
    return describeProcError(CLEAR_REFS, "write", err);
  }
}

/** `VmHWM` in bytes, or why it cannot be read. */
function readVmHwm(): number | string {
  let text: string;
  try {
    text = fs.readFileSync(STATUS, "utf8");
  } catch (err) {
    return describeProcError(STATUS, "read", err);
  }
  const match = /^VmHWM:\s*(\d+)\s*kB$/m.exec(text);
  if (!match) return `${STATUS} has no "VmHWM: <n> kB" line`;
  return Number(match[1]) * 1024;
}

function describeProcError(path: string, action: "read" | "write", err: unknown): string {
  const { code, name, message } = err as { code?: string; name?: string; message?: string };
  if (name === "NotCapable") {
    return `Deno refused to ${action} ${path}: /proc needs all permissions (run deno with -A)`;
  }
  if (code === "ENOENT") return `${path} does not exist (not Linux, or Linux older than 4.0)`;
  return `cannot ${action} ${path}: ${code ?? message ?? String(err)}`;
}
