/**
 * Worker threads that re-run witness cases (`node:worker_threads`, the same on Deno, Bun and
 * Node), as lanes for replay_schedule.ts. They all start at once, each rebuilding the plan from
 * the manifest it is given while the caller reads the chains. A thread that throws or exits fails
 * the case it was given (or the next one it is offered) with why, and takes no more; `close`
 * terminates them all.
 *
 * @example
 * ```ts
 * import { startReplayThreads } from "./replay_threads.ts";
 * const threads = startReplayThreads(2, { manifest, options: { trust: false } });
 * try {
 *   await runReplays(queue, threads.lanes, onCase);
 * } finally {
 *   await threads.close();
 * }
 * ```
 * @module
 */
import { Worker } from "node:worker_threads";
import { describe } from "../errors.ts";
import { siblingModule } from "../module_url.ts";
import type { ReplayFailure } from "./case_replay.ts";
import type { CaseLines } from "./chain_scan.ts";
import type { ReplayLane } from "./replay_schedule.ts";
import type { ReplayAnswer, ReplayThreadData } from "./replay_thread.ts";

/** The threads' entry point, witness_worker.ts at the package's root (it registers the built-ins). */
const SCRIPT = siblingModule(import.meta.url, "../../witness_worker");

/** Started re-run threads. */
export interface ReplayThreads {
  lanes: ReplayLane[];
  /** Terminates every thread (whatever it is doing) and waits until they have ended. */
  close(): Promise<void>;
}

/**
 * Starts `count` re-run threads, each given `data`.
 *
 * @example
 * ```ts
 * const { lanes, close } = startReplayThreads(2, { manifest, options: {} });
 * ```
 */
export function startReplayThreads(count: number, data: ReplayThreadData): ReplayThreads {
  const lanes = Array.from({ length: count }, () => new ThreadLane(data));
  return {
    lanes,
    close: async () => {
      await Promise.all(lanes.map((lane) => lane.close()));
    },
  };
}

/** One worker thread, re-running one case at a time. */
class ThreadLane implements ReplayLane {
  #worker: Worker | undefined;
  #pending: { c: CaseLines; resolve(failure: ReplayFailure | undefined): void } | undefined;
  /** Why the thread ended, once it has. */
  #ended: string | undefined;
  /** Whether a case has been failed with {@link #ended}. */
  #told = false;
  #closing = false;

  constructor(data: ReplayThreadData) {
    try {
      const worker = new Worker(SCRIPT, { workerData: data });
      worker.on("message", (answer: ReplayAnswer) => this.#settle(answer.failure));
      worker.on("error", (error: unknown) => this.#end(`failed: ${describe(error)}`));
      worker.on("exit", (code: number) => this.#end(`exited (code ${code})`));
      this.#worker = worker;
    } catch (error) {
      this.#ended = `could not start: ${describe(error)}`;
    }
  }

  get alive(): boolean {
    return !this.#told;
  }

  replay(c: CaseLines): Promise<ReplayFailure | undefined> {
    return new Promise((resolve) => {
      if (this.#ended) return resolve(this.#lost(c));
      this.#pending = { c, resolve };
      this.#worker!.postMessage(c);
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#worker?.terminate();
  }

  #settle(failure: ReplayFailure | undefined): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(failure);
  }

  #end(reason: string): void {
    if (this.#closing || this.#ended) return; // an error is followed by an exit: keep the first
    this.#ended = reason;
    if (this.#pending) this.#settle(this.#lost(this.#pending.c));
  }

  #lost(c: CaseLines): ReplayFailure {
    this.#told = true;
    const { ordinal, at } = c.lines[0];
    return {
      ordinal,
      message: `${at}: the worker thread re-running case ${c.config_hash.slice(0, 12)}… ${this.#ended}`,
    };
  }
}
