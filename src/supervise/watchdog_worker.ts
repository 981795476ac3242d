/**
 * A worker process's watchdog thread: every `interval_ms` it checks that the supervisor that
 * started the process is still alive, and kills its own process when it is not. It runs on its
 * own thread, so it acts even while a kernel spins on the main thread; a supervisor killed with
 * SIGKILL therefore never leaves a worker measuring forever.
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * new Worker(new URL("./watchdog_worker.ts", import.meta.url), { workerData: { parent: process.ppid, interval_ms: 250 } }).unref();
 * ```
 * @module
 */
import process from "node:process";
import { workerData } from "node:worker_threads";

const { parent, interval_ms } = workerData as { parent: number; interval_ms: number };

function parentGone(): boolean {
  if (process.ppid !== parent) return true;
  try {
    process.kill(parent, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ESRCH";
  }
}

setInterval(() => {
  if (parentGone()) process.kill(process.pid, "SIGKILL");
}, interval_ms);
