/**
 * What the supervisor needs from whatever measures its cases: a worker process
 * ({@link ChildWorker}, the default) or the supervisor's own process (`--in-process`, for
 * debugging a kernel). The runner drives either through this one interface.
 *
 * @example
 * ```ts
 * import type { CaseWorker } from "./worker.ts";
 * async function measureAll(worker: CaseWorker, indices: number[]) {
 *   await worker.open();
 *   for (const i of indices) console.log(await worker.run(i));
 *   await worker.close();
 * }
 * ```
 * @module
 */
import type { CaseOutcome } from "../contracts.ts";
import type { PluginHook } from "../host.ts";
import type { CaseResult, Closed, Opened, Reported } from "./protocol.ts";

/** A worker that measures the cases of one plan. */
export interface CaseWorker {
  /** Plans the spec and opens the plugins; throws the worker's error (e.g. `--strict`) or {@link WorkerLost}. */
  open(): Promise<Opened>;
  /** Measures one case; a failure of the case, or the loss of the worker while measuring it, comes back as `failed`. */
  run(index: number): Promise<CaseResult>;
  /** Replays a finished case's samples into the plugins (see `CaseExecutor.replay`); throws {@link WorkerLost}. */
  replay(index: number): Promise<void>;
  /** Calls the plugins' report hooks; throws {@link WorkerLost}. */
  report(outcomes: CaseOutcome[]): Promise<Reported>;
  /** Tears the plugins down and ends the worker; throws {@link WorkerLost}. */
  close(): Promise<Closed>;
  /** Stops the worker at once (a second Ctrl-C); `why` becomes the cause of whatever was pending. */
  kill(why: string): void;
  /** Whether the worker is gone (it crashed, timed out or was killed) and a new one is needed. */
  readonly lost: boolean;
  /**
   * Why the worker ended while it had nothing to do (e.g. a timer a kernel left behind threw), if
   * it did: nothing was pending to fail, so the supervisor records it as an error of the run.
   */
  readonly endedWhileIdle?: string;
}

/**
 * The worker process died or was killed while it worked on something; `message` says why and
 * where, in plain words: `timed out after 3000 ms during run()`.
 *
 * @example
 * ```ts
 * new WorkerLost("exited with code 0 during run()", "run()").phase; // "run()"
 * ```
 */
export class WorkerLost extends Error {
  /** What the worker was doing: `run()`, `prepare()`, `[profiler hang] start()`, ... */
  readonly phase: string;
  /** The plugin hook it was in, if it was in one. */
  readonly hook?: PluginHook;

  constructor(message: string, phase: string, hook?: PluginHook) {
    super(message);
    this.name = "WorkerLost";
    this.phase = phase;
    this.hook = hook;
  }
}
