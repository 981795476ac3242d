/**
 * One writer per results folder: a run holds `.attnbench.lock` (its pid, host, start time) while
 * it writes. A second run into the same folder is refused; a lock left by a process that is gone
 * (same host, pid no longer running, or reused by another process) is stale and is taken over.
 *
 * @example
 * ```ts
 * import { acquireLock } from "./lock.ts";
 * const lock = acquireLock("results/x/20261206T230212Z-3f2a1c0d");
 * try {
 *   // write the run
 * } finally {
 *   await lock.release();
 * }
 * ```
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { OutputError } from "../errors.ts";
import { outputFault } from "./fs_errors.ts";

/** Name of the lock file inside a results folder. */
export const LOCK_FILE = ".attnbench.lock";

/** Who holds a lock. */
export interface LockHolder {
  pid: number;
  host: string;
  started_at: string;
  /** Start time of the process in clock ticks since boot (Linux), to tell a reused pid. */
  proc_start?: string;
}

/** A held lock. */
export interface HeldLock {
  /** The stale lock this one replaced, if any (worth a warning). */
  tookOver?: LockHolder;
  /** Removes the lock file. */
  release(): Promise<void>;
}

/**
 * Takes the folder's lock, or throws an {@link OutputError} (exit 2) naming the run that holds it.
 *
 * @example
 * ```ts
 * const { tookOver } = acquireLock(dir);
 * ```
 */
export function acquireLock(dir: string): HeldLock {
  const file = path.join(dir, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    started_at: new Date().toISOString(),
    proc_start: processStart(process.pid),
  };
  let tookOver: LockHolder | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me) + "\n", { flag: "wx" });
      return {
        tookOver,
        release: async () => {
          if (readLock(dir)?.pid === process.pid) await fs.promises.rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") {
        throw outputFault(error, dir, { during: "prepare" });
      }
    }
    const holder = readLock(dir);
    const alive = holder ? holderAlive(holder) : false;
    if (alive !== false) throw lockedBy(dir, holder!, alive);
    tookOver = holder;
    fs.rmSync(file, { force: true });
  }
  throw new OutputError("OUTPUT_IN_USE", `${dir}: another run keeps taking its lock (${file}); try again`);
}

/**
 * The holder recorded in a folder's lock file, or `undefined` when there is none (or it is
 * unreadable: then it cannot be honoured either).
 *
 * @example
 * ```ts
 * readLock(dir)?.pid; // 4242
 * ```
 */
export function readLock(dir: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), "utf8")) as LockHolder;
    return typeof holder.pid === "number" && typeof holder.host === "string" ? holder : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process holding a lock still runs: `true`, `false`, or `undefined` when it ran on
 * another host and cannot be checked from here.
 *
 * @example
 * ```ts
 * holderAlive({ pid: process.pid, host: os.hostname(), started_at: "" }); // true
 * ```
 */
export function holderAlive(holder: LockHolder): boolean | undefined {
  if (holder.host !== os.hostname()) return undefined;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as { code?: string }).code === "ESRCH") return false;
  }
  const start = processStart(holder.pid);
  return !(holder.proc_start && start && start !== holder.proc_start);
}

/**
 * Throws {@link lockedBy}'s refusal when `dir` holds a lock whose run still goes (or cannot be
 * checked from here); a missing or stale lock passes.
 *
 * @example
 * ```ts
 * refuseIfLocked("/tmp/out"); // throws while another run writes there
 * ```
 */
export function refuseIfLocked(dir: string): void {
  const holder = readLock(dir);
  const alive = holder ? holderAlive(holder) : false;
  if (alive !== false) throw lockedBy(dir, holder!, alive);
}

/**
 * The refusal (exit 2) for a folder whose lock `holder` still runs (`alive` true) or cannot be
 * checked (`undefined`: another host).
 *
 * @example
 * ```ts
 * throw lockedBy(dir, readLock(dir)!, true);
 * ```
 */
export function lockedBy(dir: string, holder: LockHolder, alive: boolean | undefined): OutputError {
  const who = `pid ${holder.pid} on ${holder.host}, started ${holder.started_at}`;
  const advice = alive === undefined
    ? `if that run is no longer going, delete ${path.join(dir, LOCK_FILE)} and try again`
    : "wait for it to finish or choose another --out";
  return new OutputError("OUTPUT_IN_USE", `${dir} is in use by another attnbench run (${who}); ${advice}`);
}

/** Field 22 of /proc/<pid>/stat (start time in ticks since boot), where there is a /proc. */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}
