/**
 * The shared-memory protocol between the power sampler (main thread, `sampler.ts`) and its worker
 * (`sampler_worker.ts`). The worker reads the source every `interval_ms` into a ring of samples in
 * a `SharedArrayBuffer`, so samples keep coming while the main thread is inside a long synchronous
 * kernel call. The main thread asks for a sample *now* (a window's edge) by bumping `REQUESTED`;
 * the worker answers by writing the sample's index to `SERVED_INDEX` and `REQUESTED`'s value to
 * `SERVED`. Only `Atomics` touch the control words; a sample's three numbers are written before
 * `WRITTEN` is advanced past it.
 *
 * @example
 * ```ts
 * import { CONTROL, CONTROL_BYTES, STATE } from "./sampler_protocol.ts";
 * const control = new Int32Array(new SharedArrayBuffer(CONTROL_BYTES));
 * Atomics.load(control, CONTROL.STATE) === STATE.RUNNING;
 * ```
 * @module
 */
import type { PowerOptions } from "./options.ts";
import type { SourceRef } from "./sources/mod.ts";

/**
 * Index of each control word in the `Int32Array` over {@link SamplerData.control}.
 *
 * @example
 * ```ts
 * const written = Atomics.load(control, CONTROL.WRITTEN);
 * ```
 */
export const CONTROL = {
  /** One of {@link STATE}. */
  STATE: 0,
  /** Samples written since the start (sample `i` lives in ring slot `i % RING_CAPACITY`). */
  WRITTEN: 1,
  /** Edge requests made by the main thread. */
  REQUESTED: 2,
  /** The last request answered. */
  SERVED: 3,
  /** Index of the sample that answered it. */
  SERVED_INDEX: 4,
  /** Length in bytes of the UTF-8 error text in {@link SamplerData.error}. */
  ERROR_LENGTH: 5,
} as const;

/**
 * Bytes of the control buffer.
 *
 * @example
 * ```ts
 * new SharedArrayBuffer(CONTROL_BYTES);
 * ```
 */
export const CONTROL_BYTES = 6 * Int32Array.BYTES_PER_ELEMENT;

/**
 * Sampler states.
 *
 * @example
 * ```ts
 * Atomics.store(control, CONTROL.STATE, STATE.STOPPING);
 * ```
 */
export const STATE = { STARTING: 0, RUNNING: 1, STOPPING: 2, FAILED: 3 } as const;

/**
 * Numbers per sample: `timestamp_us` (wall clock, µs since the epoch), `watts` and `joules`
 * (the source's counter), NaN where the source has no such reader.
 *
 * @example
 * ```ts
 * const slot = (index % RING_CAPACITY) * SAMPLE_COLUMNS;
 * ```
 */
export const SAMPLE_COLUMNS = 3;

/**
 * Samples the ring holds: 65 536, about 11 minutes of one case at the default 10 ms.
 *
 * @example
 * ```ts
 * new SharedArrayBuffer(RING_CAPACITY * SAMPLE_COLUMNS * Float64Array.BYTES_PER_ELEMENT);
 * ```
 */
export const RING_CAPACITY = 1 << 16;

/**
 * Bytes kept for the worker's error text.
 *
 * @example
 * ```ts
 * new SharedArrayBuffer(ERROR_BYTES);
 * ```
 */
export const ERROR_BYTES = 4096;

/**
 * What the worker is started with (`workerData`).
 *
 * @example
 * ```ts
 * const data: SamplerData = { control, samples, error, ref: { kind: "builtin", name: "mock" }, options, interval_ms: 10 };
 * ```
 */
export interface SamplerData {
  control: SharedArrayBuffer;
  samples: SharedArrayBuffer;
  error: SharedArrayBuffer;
  ref: SourceRef;
  options: PowerOptions;
  interval_ms: number;
}

/**
 * The one message the worker posts, once it has detected its source (or failed to).
 *
 * @example
 * ```ts
 * const ready: SamplerMessage = { kind: "ready", source: "rapl", energy: true, watts: false };
 * ```
 */
export type SamplerMessage =
  | { kind: "ready"; source: string; energy: boolean; watts: boolean }
  | { kind: "unavailable"; reason: string }
  | { kind: "failed"; error: string };

/**
 * Wall-clock microseconds since the epoch, the same clock on the main thread and in a worker
 * (each has its own `performance.timeOrigin`).
 *
 * @example
 * ```ts
 * const t = wallMicros(); // e.g. 1795346213650123.4
 * ```
 */
export function wallMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}
