/**
 * What became of a run, as a reader of its folder sees it. A manifest says `running` while its
 * run writes; when the process that wrote it is gone (killed, power cut) it can no longer say
 * otherwise, so a `running` manifest whose lock holder is dead, or whose lock is gone, is
 * reported as `crashed`.
 *
 * @example
 * ```ts
 * import { runState } from "./run_state.ts";
 * const state = runState("results/x/20261206T230212Z-3f2a1c0d", manifest);
 * state.status; // "crashed"
 * state.description; // "crashed: manifest left running by pid 4242 on host-a, which is no longer running; 3 of 8 cases ok"
 * ```
 * @module
 */
import { holderAlive, readLock } from "./lock.ts";
import type { Manifest } from "./manifest.ts";

/** A run's status as readers report it. */
export type RunStatus = Manifest["status"] | "crashed";

/** A run's status and a line that explains it. */
export interface RunState {
  status: RunStatus;
  description: string;
}

/**
 * The status of the run in `dir` whose manifest is `manifest`.
 *
 * @example
 * ```ts
 * runState(dir, manifest).status; // "complete"
 * ```
 */
export function runState(dir: string, manifest: Manifest): RunState {
  const counts = `${manifest.summary.ok} of ${manifest.summary.total} cases ok${
    manifest.summary.failed ? `, ${manifest.summary.failed} failed` : ""
  }${manifest.summary.skipped ? `, ${manifest.summary.skipped} skipped` : ""}`;
  if (manifest.status !== "running") {
    return { status: manifest.status, description: `${manifest.status}: ${counts}` };
  }
  const holder = readLock(dir);
  const writer = manifest.process ?? holder;
  const who = writer ? `pid ${writer.pid} on ${writer.host}` : "a process";
  const alive = holder && (!manifest.process || holder.pid === manifest.process.pid)
    ? holderAlive(holder)
    : false;
  if (alive === true) return { status: "running", description: `running: ${who}; ${counts} so far` };
  if (alive === undefined) {
    return {
      status: "running",
      description: `running on another host (${who}), or crashed there; ${counts} so far`,
    };
  }
  return {
    status: "crashed",
    description: `crashed: manifest left running by ${who}, which is no longer running; ${counts}`,
  };
}
