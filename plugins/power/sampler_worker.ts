/**
 * The power sampler's worker: builds and detects the source named in `workerData`, posts one
 * {@link SamplerMessage}, then reads the source every `interval_ms` (and at once when the main
 * thread asks for a window edge) into the shared ring, until told to stop; it closes the source
 * on the way out. It blocks in `Atomics.wait` between samples, so it needs no event loop turn
 * from the main thread and costs nothing between reads. Protocol: `sampler_protocol.ts`.
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * const worker = new Worker(new URL("./sampler_worker.ts", import.meta.url), { workerData });
 * ```
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import type { PowerSource } from "../../plugin_kit.ts";
import { openSource } from "./sources/mod.ts";
import {
  CONTROL,
  RING_CAPACITY,
  SAMPLE_COLUMNS,
  type SamplerData,
  type SamplerMessage,
  STATE,
  wallMicros,
} from "./sampler_protocol.ts";

const data = workerData as SamplerData;
const control = new Int32Array(data.control);
const ring = new Float64Array(data.samples);

const post = (message: SamplerMessage): void => parentPort!.postMessage(message);

let source: PowerSource | undefined;
try {
  source = await openSource(data.ref, data.options);
  const detected = await source.detect();
  if (detected !== true) {
    post({ kind: "unavailable", reason: detected });
  } else {
    post({
      kind: "ready",
      source: source.name,
      energy: !!source.readEnergyJoules,
      watts: !!source.readWatts,
    });
    Atomics.store(control, CONTROL.STATE, STATE.RUNNING);
    await sampleUntilStopped(source);
  }
} catch (err) {
  const text = err instanceof Error ? err.message : String(err);
  if (Atomics.load(control, CONTROL.STATE) === STATE.STARTING) post({ kind: "failed", error: text });
  fail(text);
} finally {
  await source?.close?.();
}

/** Samples on the interval and on request until the state leaves RUNNING. */
async function sampleUntilStopped(meter: PowerSource): Promise<void> {
  let due = performance.now();
  while (Atomics.load(control, CONTROL.STATE) === STATE.RUNNING) {
    const requested = Atomics.load(control, CONTROL.REQUESTED);
    const asked = requested !== Atomics.load(control, CONTROL.SERVED);
    const now = performance.now();
    if (asked || now >= due) {
      const taken = sample(meter);
      const index = typeof taken === "number" ? taken : await taken;
      if (asked) {
        Atomics.store(control, CONTROL.SERVED_INDEX, index);
        Atomics.store(control, CONTROL.SERVED, requested);
        Atomics.notify(control, CONTROL.SERVED);
      }
      if (now >= due) due = Math.max(due + data.interval_ms, performance.now());
    }
    const wait = due - performance.now();
    if (wait > 0) Atomics.wait(control, CONTROL.REQUESTED, requested, wait);
  }
}

/**
 * Reads the source once into the ring and returns the sample's index — synchronously when the
 * source's readers are (RAPL, the mocks), so the loop allocates no promises between samples.
 * The sample's time is the middle of the counter read where there is a counter (the energy and
 * the time must match), else of the watts read.
 */
function sample(meter: PowerSource): number | Promise<number> {
  const before = wallMicros();
  const joules = meter.readEnergyJoules ? meter.readEnergyJoules() : NaN;
  if (joules instanceof Promise) {
    return joules.then((j) => readWatts(meter, before, reading(meter, "readEnergyJoules", j)));
  }
  return readWatts(meter, before, meter.readEnergyJoules ? reading(meter, "readEnergyJoules", joules) : NaN);
}

function readWatts(meter: PowerSource, before: number, joules: number): number | Promise<number> {
  const between = wallMicros();
  const watts = meter.readWatts ? meter.readWatts() : NaN;
  const stamp = (w: number): number => {
    const at = meter.readEnergyJoules ? (before + between) / 2 : (between + wallMicros()) / 2;
    return store(at, meter.readWatts ? reading(meter, "readWatts", w) : NaN, joules);
  };
  return watts instanceof Promise ? watts.then(stamp) : stamp(watts);
}

/** A reader's value, which must be a finite number: anything else stops the sampler, naming the source. */
function reading(meter: PowerSource, reader: "readEnergyJoules" | "readWatts", value: unknown): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  throw new Error(
    `power source "${meter.name}" ${reader}() returned ${
      typeof value === "number" ? value : JSON.stringify(value) ?? String(value)
    }; expected a finite number of ${reader === "readWatts" ? "watts" : "joules"}`,
  );
}

function store(timestamp_us: number, watts: number, joules: number): number {
  const index = Atomics.load(control, CONTROL.WRITTEN);
  const slot = (index % RING_CAPACITY) * SAMPLE_COLUMNS;
  ring[slot] = timestamp_us;
  ring[slot + 1] = watts;
  ring[slot + 2] = joules;
  Atomics.store(control, CONTROL.WRITTEN, index + 1);
  return index;
}

/** Leaves the error text for the main thread and wakes it. */
function fail(text: string): void {
  const bytes = new TextEncoder().encode(text).subarray(0, data.error.byteLength);
  new Uint8Array(data.error).set(bytes);
  Atomics.store(control, CONTROL.ERROR_LENGTH, bytes.length);
  Atomics.store(control, CONTROL.STATE, STATE.FAILED);
  Atomics.notify(control, CONTROL.SERVED);
}
