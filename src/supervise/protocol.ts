/**
 * What the supervisor (the parent process) and a worker (the child process that measures cases)
 * say to each other: one JSON object per line, commands on the worker's stdin, replies and notes
 * on its file descriptor 3. The worker writes synchronously, so a note such as "now in run()" has
 * left the process before the kernel is called, even if the kernel then never returns.
 *
 * Every command gets exactly one reply (`reply` or `error`); `phase` and `file` notes may come
 * before it.
 *
 * @example
 * ```ts
 * import { encodeMessage, LineReader } from "./protocol.ts";
 * encodeMessage({ type: "case", index: 3 }); // '{"type":"case","index":3}\n'
 * const reader = new LineReader((message) => console.log(message));
 * reader.push('{"type":"phase","phase":"run()"}\n');
 * ```
 * @module
 */
import fs from "node:fs";
import type { CaseOutcome, DeviceInfo, Metrics, Table } from "../contracts.ts";
import type { PluginHook } from "../host.ts";
import type { CaseLoad } from "../machine_load.ts";
import type { QualityFlag } from "../quality.ts";
import type { PluginStatus } from "../output/manifest.ts";

/** The descriptor a worker writes its messages to (stdin carries commands, stdout/stderr the kernels' own output). */
export const WORKER_MESSAGE_FD = 3;

/** Opens the worker's plan and plugins. */
export interface OpenCommand {
  type: "open";
  /** The spec as the supervisor read it: the worker plans it again from this text. */
  spec: { file: string; text: string };
  outputDir: string;
  strict: boolean;
  /** Plan indices of the run's cases, in order (positions and totals follow from it). */
  selected: number[];
  /** Config hashes the supervisor planned, by plan index, to check the worker planned the same. */
  hashes: string[];
  /** Plugins not to start: they killed or hung an earlier worker while being set up. */
  disabled: string[];
}

/** A command from the supervisor. */
export type Command =
  | OpenCommand
  | { type: "case"; index: number }
  | { type: "replay"; index: number }
  | { type: "report"; outcomes: CaseOutcome[] }
  | { type: "close" };

/** What a worker measured for one case. */
export interface CaseResult {
  /** `skipped`: the kernel said the case cannot run here (`error` says why); nothing was measured. */
  status: "ok" | "failed" | "skipped";
  error?: string;
  /** The device the kernel ran on, when its `available` named one. */
  device?: DeviceInfo;
  metrics: Record<string, Metrics>;
  tables: Table[];
  /** What the timed loop measured and how much to trust it (absent for a failed case). */
  timing?: CaseTiming;
}

/** A measured case's timing, its spread, its quality flags and the machine's load meanwhile. */
export interface CaseTiming {
  /** Median and quartiles of the time per call, ns (nearest rank). */
  median_ns: number;
  p25_ns: number;
  p75_ns: number;
  /** Median of the device's own time per call, ns, when the kernel reports it (GPU timestamps). */
  kernel_median_ns?: number;
  samples: number;
  calls: number;
  warmup_calls: number;
  /** Wall time of the warm-up and of the timed loop, ms. */
  warmup_ms: number;
  loop_ms: number;
  quality: QualityFlag[];
  load: CaseLoad;
}

/** The worker's answer to `open`. */
export interface Opened {
  statuses: PluginStatus[];
  /** Whether a plugin has a `sample` hook, so state is rebuilt by replaying samples. */
  wantsSamples: boolean;
}

/** The worker's answer to `report`. */
export interface Reported {
  texts: string[];
  /** A report hook that threw, as `[profiler NAME] report failed: ...`. */
  errors: string[];
}

/** The worker's answer to `close`. */
export interface Closed {
  statuses: PluginStatus[];
  /** Teardown hooks that threw. */
  errors: string[];
}

/** A message from a worker. */
export type WorkerMessage =
  | { type: "phase"; phase: string; hook?: PluginHook }
  | { type: "file"; relative: string }
  | { type: "reply"; value: unknown }
  | { type: "error"; code: string; message: string; exitCode: number }
  | { type: "uncaught"; message: string };

/**
 * One message as a line of JSON.
 *
 * @example
 * ```ts
 * encodeMessage({ type: "close" }); // '{"type":"close"}\n'
 * ```
 */
export function encodeMessage(message: Command | WorkerMessage): string {
  return JSON.stringify(message) + "\n";
}

/**
 * Writes a message to `fd` completely before returning (retrying short writes and a full pipe).
 *
 * @example
 * ```ts
 * writeMessageSync(WORKER_MESSAGE_FD, { type: "phase", phase: "run()" });
 * ```
 */
export function writeMessageSync(fd: number, message: WorkerMessage): void {
  const bytes = ENCODER.encode(encodeMessage(message));
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as { code?: string }).code !== "EAGAIN") throw error;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));
const ENCODER = new TextEncoder();

/**
 * Splits a byte stream into lines of JSON and hands each parsed message on; a line that is not
 * JSON is handed to `onNoise` (it cannot come from the protocol).
 *
 * @example
 * ```ts
 * const reader = new LineReader((m) => messages.push(m));
 * stream.on("data", (chunk) => reader.push(chunk));
 * ```
 */
export class LineReader<T> {
  readonly #onMessage: (message: T) => void;
  readonly #onNoise: (line: string) => void;
  readonly #decoder = new TextDecoder();
  #buffer = "";

  constructor(onMessage: (message: T) => void, onNoise: (line: string) => void = () => {}) {
    this.#onMessage = onMessage;
    this.#onNoise = onNoise;
  }

  /** Adds a chunk; complete lines are parsed and handed on at once. */
  push(chunk: Uint8Array | string): void {
    this.#buffer += typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = this.#buffer.indexOf("\n")) >= 0) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      if (!line.trim()) continue;
      let message: T;
      try {
        message = JSON.parse(line) as T;
      } catch {
        this.#onNoise(line);
        continue;
      }
      this.#onMessage(message);
    }
  }
}
