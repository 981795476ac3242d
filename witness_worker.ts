/**
 * The entry point of a witness re-run thread (started by src/witness/replay_threads.ts):
 * registers the built-ins, then serves re-runs with src/witness/replay_thread.ts.
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * new Worker(new URL("./witness_worker.ts", import.meta.url), { workerData: { manifest, options: { trust: false } } });
 * ```
 * @module
 */
import "./builtins.ts";
import "./src/witness/replay_thread.ts";
