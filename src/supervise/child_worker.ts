/**
 * A worker process, seen from the supervisor: started on the same runtime with the same
 * permissions, sent one command at a time, and watched while it works. Every command has a
 * wall-clock cap (`bench.timeout_ms`) and the process's resident memory is polled against
 * `bench.memory_limit_mb` (V8 runtimes also cap their JS heap there); past either, or when the
 * process exits, crashes or reports an uncaught error, whatever was pending fails with the cause
 * in plain words and the phase it was in, and {@link ChildWorker.lost} turns true.
 *
 * @example
 * ```ts
 * import { ChildWorker } from "./child_worker.ts";
 * const worker = new ChildWorker(openCommand, { timeoutMs: 60_000, memoryLimitMb: 4096, output: process.stderr, onFile: () => {} });
 * await worker.open();
 * const result = await worker.run(0); // { status: "failed", error: "timed out after 60000 ms during run()" } for a hung kernel
 * await worker.close();
 * ```
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";
import type { Readable } from "node:stream";
import { AttnbenchError } from "../errors.ts";
import type { CaseOutcome } from "../contracts.ts";
import type { PluginHook } from "../host.ts";
import { workerCommand } from "../runtime.ts";
import { exitCause } from "./exit_cause.ts";
import {
  type CaseResult,
  type Closed,
  type Command,
  encodeMessage,
  LineReader,
  type OpenCommand,
  type Opened,
  type Reported,
  type WorkerMessage,
} from "./protocol.ts";
import { residentBytes } from "./rss.ts";
import { type CaseWorker, WorkerLost } from "./worker.ts";
import { siblingModule } from "../module_url.ts";

/** Limits and sinks of a worker process. */
export interface ChildWorkerOptions {
  /** Wall-clock cap of each command (a case, a replay, setup, report, teardown), ms. */
  timeoutMs: number;
  /** Resident memory cap, MiB. */
  memoryLimitMb: number;
  /** Where the worker's own stdout and stderr go (kernels' and plugins' prints). */
  output: { write(text: string): unknown };
  /** Told of each file a report hook wrote. */
  onFile(relative: string): void;
  /** How often resident memory is read while a command runs, ms. */
  memoryPollMs?: number;
}

/** The worker process's entry point, worker.ts at the package's root (it registers the built-ins). */
const SCRIPT = fileURLToPath(siblingModule(import.meta.url, "../../worker"));
const STDERR_TAIL_CHARS = 16_384;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * A worker process measuring the cases of one plan.
 *
 * @example
 * ```ts
 * const worker = new ChildWorker(open, options);
 * ```
 */
export class ChildWorker implements CaseWorker {
  readonly #open: OpenCommand;
  readonly #options: ChildWorkerOptions;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #heapLimitMb: number | undefined;
  #pending: Pending | undefined;
  #phase = "worker start-up";
  #hook: PluginHook | undefined;
  #stderrTail = "";
  #uncaught: string | undefined;
  #killedFor: string | undefined;
  #lost = false;
  #closing = false;
  #endedWhileIdle: string | undefined;

  constructor(open: OpenCommand, options: ChildWorkerOptions) {
    this.#open = open;
    this.#options = options;
    const { command, args, heapCapped } = workerCommand(
      SCRIPT,
      ["--run", open.outputDir],
      options.memoryLimitMb,
    );
    this.#heapLimitMb = heapCapped ? options.memoryLimitMb : undefined;
    this.#child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe", "pipe"], cwd: process.cwd() });
    const reader = new LineReader<WorkerMessage>((message) => this.#onMessage(message));
    (this.#child.stdio[3] as Readable).on("data", (chunk: Uint8Array) => reader.push(chunk));
    this.#child.stdout!.on("data", (chunk: Uint8Array) => options.output.write(String(chunk)));
    this.#child.stderr!.on("data", (chunk: Uint8Array) => {
      const text = String(chunk);
      this.#stderrTail = (this.#stderrTail + text).slice(-STDERR_TAIL_CHARS);
      options.output.write(text);
    });
    this.#child.stdin!.on("error", () => {}); // a dead worker's stdin: the exit handler reports it
    this.#exited = new Promise((resolve) => {
      this.#child.on("error", (error) => {
        this.#killedFor ??= `could not start a worker process (${command}): ${error.message}`;
        this.#finish(null, null);
        resolve();
      });
      this.#child.on("exit", (code, signal) => {
        this.#finish(code, signal);
        resolve();
      });
    });
  }

  get lost(): boolean {
    return this.#lost;
  }

  get endedWhileIdle(): string | undefined {
    return this.#endedWhileIdle;
  }

  async open(): Promise<Opened> {
    return await this.#request({ ...this.#open }) as Opened;
  }

  async run(index: number): Promise<CaseResult> {
    try {
      return await this.#request({ type: "case", index }) as CaseResult;
    } catch (error) {
      if (!(error instanceof WorkerLost)) throw error;
      return { status: "failed", error: error.message, metrics: {}, tables: [] };
    }
  }

  async replay(index: number): Promise<void> {
    await this.#request({ type: "replay", index });
  }

  async report(outcomes: CaseOutcome[]): Promise<Reported> {
    return await this.#request({ type: "report", outcomes }) as Reported;
  }

  async close(): Promise<Closed> {
    this.#closing = true;
    const closed = await this.#request({ type: "close" }) as Closed;
    await this.#exited;
    return closed;
  }

  kill(why: string): void {
    this.#terminate(`${why} during ${this.#phase}`);
  }

  /** Sends one command and waits for its reply, under the time and memory caps. */
  #request(command: Command): Promise<unknown> {
    if (this.#lost) {
      return Promise.reject(
        new WorkerLost(this.#killedFor ?? "the worker process is gone", this.#phase, this.#hook),
      );
    }
    const { timeoutMs, memoryLimitMb, memoryPollMs = 100 } = this.#options;
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const timer = setTimeout(() => {
        this.#terminate(`timed out after ${timeoutMs} ms during ${this.#phase} (bench.timeout_ms)`);
      }, timeoutMs);
      const poll = setInterval(() => {
        const bytes = this.#child.pid === undefined ? undefined : residentBytes(this.#child.pid);
        if (bytes !== undefined && bytes > memoryLimitMb * 1024 * 1024) {
          this.#terminate(
            `out of memory during ${this.#phase}: resident memory reached ${
              Math.round(bytes / 1048576)
            } MiB, over the ${memoryLimitMb} MiB limit (bench.memory_limit_mb), after ${
              Math.round(performance.now() - started)
            } ms`,
          );
        }
      }, memoryPollMs);
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.#pending = undefined;
        this.#phase = `the idle time after ${
          command.type === "case" ? `case ${command.index}` : command.type
        }`;
      };
      this.#pending = {
        resolve: (value) => (done(), resolve(value)),
        reject: (error) => (done(), reject(error)),
      };
      this.#phase = command.type === "open" ? "plugin setup" : `the start of ${command.type}`;
      this.#hook = undefined;
      this.#child.stdin!.write(encodeMessage(command));
    });
  }

  #onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case "phase":
        this.#phase = message.phase;
        this.#hook = message.hook;
        return;
      case "file":
        this.#options.onFile(message.relative);
        return;
      case "uncaught":
        this.#uncaught = message.message;
        return;
      case "reply":
        this.#pending?.resolve(message.value);
        return;
      case "error":
        this.#pending?.reject(
          new AttnbenchError(message.code, message.message, { exitCode: message.exitCode }),
        );
        return;
    }
  }

  /** Kills the process; the exit handler fails what was pending with `why`. */
  #terminate(why: string): void {
    this.#killedFor ??= why;
    this.#lost = true;
    this.#child.kill("SIGKILL");
  }

  #finish(code: number | null, signal: string | null): void {
    this.#lost = true;
    const cause = this.#killedFor ?? exitCause({
      code,
      signal,
      phase: this.#phase,
      stderrTail: this.#stderrTail,
      uncaught: this.#uncaught,
      heapLimitMb: this.#heapLimitMb,
    });
    this.#killedFor = cause;
    if (this.#pending) this.#pending.reject(new WorkerLost(cause, this.#phase, this.#hook));
    else if (!this.#closing) this.#endedWhileIdle = cause;
  }
}
