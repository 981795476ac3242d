/**
 * The resident memory of another process, read without its help (it may be stuck in a loop):
 * `VmRSS` of `/proc/<pid>/status` on Linux, `ps -o rss=` elsewhere.
 *
 * @example
 * ```ts
 * import { residentBytes } from "./rss.ts";
 * residentBytes(child.pid!); // 48_234_496, or undefined once it has exited
 * ```
 * @module
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

/**
 * Resident set size of `pid` in bytes, or `undefined` when it cannot be read (gone, or no way here).
 *
 * @example
 * ```ts
 * residentBytes(process.pid)! > 0; // true
 * ```
 */
export function residentBytes(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT" || fs.existsSync("/proc/self/status")) {
      return undefined;
    }
  }
  try {
    const kib = execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim();
    return kib ? Number(kib) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
