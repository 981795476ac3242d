/**
 * The main-thread side of the power sampler: starts the worker that reads a power source every
 * `interval_ms` into shared memory (`sampler_worker.ts`), marks window edges with a sample taken
 * at that moment, and reads back the samples between two marks. Works the same on Deno, Bun and
 * Node (`node:worker_threads`; Node needs a build of the `.ts` files).
 *
 * @example
 * ```ts
 * import { PowerSampler } from "./sampler.ts";
 *
 * const sampler = await PowerSampler.open({ kind: "builtin", name: "mock" }, options);
 * if (typeof sampler === "string") throw new Error(sampler); // the source is unavailable here
 * const begin = sampler.mark();
 * // ... work, as long and as synchronous as it likes ...
 * const samples = sampler.between(begin, sampler.mark());
 * await sampler.close();
 * ```
 * @module
 */
import { Worker } from "node:worker_threads";
import type { PowerOptions } from "./options.ts";
import {
  CONTROL,
  CONTROL_BYTES,
  ERROR_BYTES,
  RING_CAPACITY,
  SAMPLE_COLUMNS,
  type SamplerData,
  type SamplerMessage,
  STATE,
} from "./sampler_protocol.ts";
import type { SourceRef } from "./sources/mod.ts";
import { siblingModule } from "../../plugin_kit.ts";

/** Longest wait for the worker to detect its source (NVML initialisation can take seconds). */
const START_TIMEOUT_MS = 30_000;
/** Longest wait for an edge sample (one read of the source). */
const MARK_TIMEOUT_MS = 10_000;
/** Longest wait for the worker to close its source and exit before it is terminated. */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * One sample: wall-clock µs since the epoch, and the readings (NaN where the source has no reader).
 *
 * @example
 * ```ts
 * const sample: RawSample = { timestamp_us: 1.7e15, watts: 75, joules: 12.5 };
 * ```
 */
export interface RawSample {
  timestamp_us: number;
  watts: number;
  joules: number;
}

/**
 * A running sampler.
 *
 * @example
 * ```ts
 * const sampler = await PowerSampler.open(ref, options);
 * ```
 */
export class PowerSampler {
  /** The `name` of the source being read (a third-party source's own name). */
  readonly source: string;
  /** Whether the source has an energy counter (`readEnergyJoules`). */
  readonly hasCounter: boolean;
  readonly #worker: Worker;
  readonly #data: SamplerData;
  readonly #control: Int32Array;
  readonly #ring: Float64Array;
  readonly #exit: Promise<void>;

  private constructor(
    worker: Worker,
    exit: Promise<void>,
    data: SamplerData,
    ready: Extract<SamplerMessage, { kind: "ready" }>,
  ) {
    this.#worker = worker;
    this.#exit = exit;
    this.#data = data;
    this.#control = new Int32Array(data.control);
    this.#ring = new Float64Array(data.samples);
    this.source = ready.source;
    this.hasCounter = ready.energy;
  }

  /**
   * Starts a worker sampling the source `ref` names. Returns the source's reason when it is
   * unavailable here; throws an `Error` when the worker fails to start or the source to load.
   *
   * @example
   * ```ts
   * const sampler = await PowerSampler.open({ kind: "builtin", name: "rapl" }, options);
   * if (typeof sampler === "string") console.log("RAPL unavailable:", sampler);
   * ```
   */
  static async open(ref: SourceRef, options: PowerOptions): Promise<PowerSampler | string> {
    const data: SamplerData = {
      control: new SharedArrayBuffer(CONTROL_BYTES),
      samples: new SharedArrayBuffer(RING_CAPACITY * SAMPLE_COLUMNS * Float64Array.BYTES_PER_ELEMENT),
      error: new SharedArrayBuffer(ERROR_BYTES),
      ref,
      options,
      interval_ms: options.interval_ms,
    };
    const worker = new Worker(siblingModule(import.meta.url, "sampler_worker"), { workerData: data });
    const exit = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const message = await firstMessage(worker, describeRef(ref)).catch(async (err) => {
      await worker.terminate();
      throw err;
    });
    if (message.kind === "ready") {
      worker.unref();
      return new PowerSampler(worker, exit, data, message);
    }
    await exited(worker, exit);
    if (message.kind === "unavailable") return message.reason;
    throw new Error(`power source ${describeRef(ref)} failed to start: ${message.error}`);
  }

  /**
   * Takes a sample now (blocking until the worker has read the source) and returns its index.
   * Throws an `Error` with the worker's message when sampling failed.
   *
   * @example
   * ```ts
   * const begin = sampler.mark();
   * ```
   */
  mark(): number {
    const control = this.#control;
    this.#throwIfFailed();
    const request = Atomics.add(control, CONTROL.REQUESTED, 1) + 1;
    Atomics.notify(control, CONTROL.REQUESTED);
    const deadline = performance.now() + MARK_TIMEOUT_MS;
    for (
      let served = Atomics.load(control, CONTROL.SERVED);
      served !== request;
      served = Atomics.load(control, CONTROL.SERVED)
    ) {
      this.#throwIfFailed();
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `power source ${this.source} gave no sample within ${
            MARK_TIMEOUT_MS / 1000
          } s; expected one read of the source`,
        );
      }
      Atomics.wait(control, CONTROL.SERVED, served, left);
    }
    return Atomics.load(control, CONTROL.SERVED_INDEX);
  }

  /**
   * The samples from index `from` to `to`, both included. Throws a `RangeError` when the ring no
   * longer holds all of them (a window longer than {@link RING_CAPACITY} samples).
   *
   * @example
   * ```ts
   * const samples = sampler.between(begin, sampler.mark());
   * ```
   */
  between(from: number, to: number): RawSample[] {
    const written = Atomics.load(this.#control, CONTROL.WRITTEN);
    if (from < written - RING_CAPACITY || to >= written || to < from) {
      throw new RangeError(
        `power samples ${from}..${to} are not all in the ring (${written} written, ${RING_CAPACITY} kept); ` +
          "expected a window of at most that many samples: raise interval_ms",
      );
    }
    const samples: RawSample[] = [];
    for (let i = from; i <= to; i++) {
      const slot = (i % RING_CAPACITY) * SAMPLE_COLUMNS;
      samples.push({
        timestamp_us: this.#ring[slot],
        watts: this.#ring[slot + 1],
        joules: this.#ring[slot + 2],
      });
    }
    return samples;
  }

  /**
   * Stops sampling, lets the worker close the source, and waits for it to exit.
   *
   * @example
   * ```ts
   * await sampler.close();
   * ```
   */
  async close(): Promise<void> {
    if (
      Atomics.compareExchange(this.#control, CONTROL.STATE, STATE.RUNNING, STATE.STOPPING) === STATE.RUNNING
    ) {
      Atomics.add(this.#control, CONTROL.REQUESTED, 1);
      Atomics.notify(this.#control, CONTROL.REQUESTED);
    }
    await exited(this.#worker, this.#exit);
  }

  #throwIfFailed(): void {
    if (Atomics.load(this.#control, CONTROL.STATE) !== STATE.FAILED) return;
    const length = Atomics.load(this.#control, CONTROL.ERROR_LENGTH);
    const text = new TextDecoder().decode(new Uint8Array(this.#data.error, 0, length).slice());
    throw new Error(`power source ${this.source} failed while sampling: ${text}`);
  }
}

function describeRef(ref: SourceRef): string {
  return ref.kind === "builtin" ? ref.name : `"${ref.ref}"`;
}

/** The worker's one message, or an `Error` if it dies or stays silent first. */
function firstMessage(worker: Worker, name: string): Promise<SamplerMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`power sampler for ${name} did not start within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    const settle = (fn: () => void) => {
      clearTimeout(timer);
      fn();
    };
    worker.once("message", (message: SamplerMessage) => settle(() => resolve(message)));
    worker.once(
      "error",
      (err: Error) => settle(() => reject(new Error(`power sampler for ${name} crashed: ${err.message}`))),
    );
    worker.once(
      "exit",
      (code: number) =>
        settle(() => reject(new Error(`power sampler for ${name} exited (code ${code}) before starting`))),
    );
  });
}

/** Waits for the worker to exit by itself, terminating it after {@link CLOSE_TIMEOUT_MS}. */
async function exited(worker: Worker, exit: Promise<void>): Promise<void> {
  const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
  await exit;
  clearTimeout(timer);
}
