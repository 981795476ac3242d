/**
 * What else the machine was doing while a case was measured, read from Linux /proc, and the
 * static facts of the machine (CPU model, cores, frequency governor). Nothing here throws: where a
 * file is missing or malformed (macOS, Windows, a container without /proc, Deno without read
 * permission) the fields are `null`. Every reader takes a `root` so tests can point it at a fake
 * tree.
 *
 * @example
 * ```ts
 * import { isLoaded, loadBetween, loadSnapshot } from "./machine_load.ts";
 * const before = loadSnapshot();
 * // ... measure a case ...
 * const load = loadBetween(before, loadSnapshot());
 * if (isLoaded(load)) console.warn(`other processes used ${load.other_cpu_share} of the CPUs`);
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * CPU time of all CPUs together since boot, in ticks, from the aggregate `cpu` line of /proc/stat.
 *
 * @example
 * ```ts
 * const cpu: CpuTicks | null = loadSnapshot().cpu;
 * if (cpu) console.log(`idle ${(cpu.idle / cpu.total * 100).toFixed(1)} % since boot`);
 * ```
 */
export interface CpuTicks {
  /** user + nice + system + idle + iowait + irq + softirq + steal (guest time is already in user and nice). */
  total: number;
  /** Idle with no I/O outstanding. */
  idle: number;
  /** Idle while I/O was outstanding. */
  iowait: number;
  /** Given by the hypervisor to another VM while this one wanted to run. */
  steal: number;
}

/**
 * The counters at one instant; two of them bracket a measurement window (see {@link loadBetween}).
 *
 * @example
 * ```ts
 * const snap: LoadSnapshot = loadSnapshot();
 * snap.cpu?.total; // e.g. 123456789, or null without /proc
 * ```
 */
export interface LoadSnapshot {
  /** `performance.now()` when the snapshot was taken, in milliseconds. */
  time_ms: number;
  /** Ticks of all CPUs since boot; null where /proc/stat is unreadable. */
  cpu: CpuTicks | null;
  /** utime + stime of this process, all threads, in ticks; null where /proc/self/stat is unreadable. */
  self_ticks: number | null;
  /** The 1-minute load average from /proc/loadavg; null where unreadable. */
  load_avg_1m: number | null;
}

/**
 * What the rest of the machine did during a window, as shares of the machine's CPU capacity
 * (all CPUs together); `null` where the counters were unreadable or the window too short.
 *
 * @example
 * ```ts
 * const load: CaseLoad = loadBetween(before, after);
 * load.other_cpu_share; // 0.2: other processes kept a fifth of all CPUs busy
 * ```
 */
export interface CaseLoad {
  /** The 1-minute load average at the end of the window. */
  load_avg_1m: number | null;
  /** Busy CPU time not spent by this process (other processes, interrupts, steal) / capacity. */
  other_cpu_share: number | null;
  /** Time the hypervisor gave this VM's CPUs to someone else / capacity. */
  steal_share: number | null;
  /** Idle time with I/O outstanding / capacity. */
  iowait_share: number | null;
  /** CPU ticks in the window, all CPUs together (2 CPUs for 1 s: 200). */
  window_ticks: number;
}

/**
 * The fewest ticks a window needs before its shares are judged. /proc/stat counts in 1/100 s
 * ticks per CPU, sampled at each tick, so a window of a few ticks is mostly rounding: below 10
 * (0.1 CPU-seconds, 50 ms of wall time on 2 CPUs) the shares are `null`.
 *
 * @example
 * ```ts
 * if (load.window_ticks < MIN_WINDOW_TICKS) console.log("too short to judge");
 * ```
 */
export const MIN_WINDOW_TICKS = 10;

/**
 * Above this share of the machine's CPU capacity used by others, a window counts as loaded.
 *
 * @example
 * ```ts
 * load.other_cpu_share! > LOADED_OTHER_SHARE;
 * ```
 */
export const LOADED_OTHER_SHARE = 0.2;

/**
 * Above this share of the CPU capacity stolen by the hypervisor, a window counts as loaded.
 *
 * @example
 * ```ts
 * load.steal_share! > LOADED_STEAL_SHARE;
 * ```
 */
export const LOADED_STEAL_SHARE = 0.05;

/**
 * Reads the counters now: the aggregate `cpu` line of `${root}/proc/stat`, this process's CPU
 * ticks from `${root}/proc/self/stat`, and the 1-minute load average from `${root}/proc/loadavg`.
 * Fields that cannot be read are `null`.
 *
 * @example
 * ```ts
 * const before = loadSnapshot();
 * const fake = loadSnapshot("/tmp/fake-root"); // reads /tmp/fake-root/proc/stat, ...
 * ```
 */
export function loadSnapshot(root = "/"): LoadSnapshot {
  return {
    time_ms: performance.now(),
    cpu: parseCpuLine(readText(path.join(root, "proc", "stat"))),
    self_ticks: parseSelfTicks(readText(path.join(root, "proc", "self", "stat"))),
    load_avg_1m: parseLoadAvg(readText(path.join(root, "proc", "loadavg"))),
  };
}

/**
 * The machine's load between two snapshots. With `total` the ticks of all CPUs in the window and
 * `busy = total − idle − iowait`: `other_cpu_share = (Δbusy − Δself) / total` clamped to [0, 1],
 * `steal_share = Δsteal / total`, `iowait_share = Δiowait / total`, each rounded to 3 decimals.
 * /proc/stat counts in 1/100 s ticks per CPU, so when `total` is below {@link MIN_WINDOW_TICKS}
 * the window is too short to judge and the three shares are `null`. `other_cpu_share` is also
 * `null` when this process's ticks are unknown (counting them as others' would overstate load).
 *
 * @example
 * ```ts
 * const before = loadSnapshot();
 * runCase();
 * const load = loadBetween(before, loadSnapshot());
 * load.window_ticks; // e.g. 200 for 1 s on 2 CPUs
 * ```
 */
export function loadBetween(before: LoadSnapshot, after: LoadSnapshot): CaseLoad {
  const a = before.cpu;
  const b = after.cpu;
  const total = a && b ? Math.max(0, b.total - a.total) : 0;
  const load: CaseLoad = {
    load_avg_1m: after.load_avg_1m,
    other_cpu_share: null,
    steal_share: null,
    iowait_share: null,
    window_ticks: total,
  };
  if (!a || !b || total < MIN_WINDOW_TICKS) return load;
  const busy = total - (b.idle - a.idle) - (b.iowait - a.iowait);
  if (before.self_ticks !== null && after.self_ticks !== null) {
    load.other_cpu_share = share(busy - (after.self_ticks - before.self_ticks), total);
  }
  load.steal_share = share(b.steal - a.steal, total);
  load.iowait_share = share(b.iowait - a.iowait, total);
  return load;
}

/**
 * Whether the machine was busy with other work during the window: other processes (and
 * interrupts) used more than {@link LOADED_OTHER_SHARE} (20 %) of all CPUs' capacity, or the
 * hypervisor stole more than {@link LOADED_STEAL_SHARE} (5 %). Our own process's ticks (user and
 * system time of all its threads, so also the kernel's work in its system calls and page faults)
 * are subtracted, so the benchmark's own work never makes the machine look loaded. Unknown
 * (`null`) shares are not loaded.
 *
 * @example
 * ```ts
 * isLoaded({ load_avg_1m: 3.1, other_cpu_share: 0.25, steal_share: 0, iowait_share: 0, window_ticks: 200 }); // true
 * isLoaded({ load_avg_1m: null, other_cpu_share: null, steal_share: null, iowait_share: null, window_ticks: 4 }); // false
 * ```
 */
export function isLoaded(load: CaseLoad): boolean {
  return (load.other_cpu_share !== null && load.other_cpu_share > LOADED_OTHER_SHARE) ||
    (load.steal_share !== null && load.steal_share > LOADED_STEAL_SHARE);
}

/**
 * Static facts about the machine that change what a measurement means.
 *
 * @example
 * ```ts
 * const info: MachineInfo = { cpu_model: "AMD EPYC 9654 96-Core Processor", cores: 16, governor: "performance" };
 * ```
 */
export interface MachineInfo {
  /** From /proc/cpuinfo, else the runtime's `os.cpus()`; null when neither knows. */
  cpu_model: string | null;
  /** Logical CPUs the OS reports, at least 1. */
  cores: number;
  /** cpu0's cpufreq scaling governor ("performance", "powersave", ...); null where unreadable. */
  governor: string | null;
}

/**
 * The CPU model (first `model name` of `${root}/proc/cpuinfo`, else `os.cpus()[0].model`), the
 * number of logical CPUs, and cpu0's frequency governor from
 * `${root}/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor`.
 *
 * @example
 * ```ts
 * machineInfo(); // { cpu_model: "Intel(R) Xeon(R) ...", cores: 8, governor: "powersave" }
 * ```
 */
export function machineInfo(root = "/"): MachineInfo {
  const cpus = os.cpus();
  const cpuinfo = readText(path.join(root, "proc", "cpuinfo"));
  const model = cpuinfo?.match(/^model name\s*:\s*(.*)$/m)?.[1].trim() || cpus[0]?.model?.trim();
  const governor = readText(path.join(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"));
  return {
    cpu_model: model || null,
    cores: Math.max(1, cpus.length),
    governor: governor?.trim() || null,
  };
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** A count of ticks: a whole number ≥ 0, else NaN. */
function ticks(text: string | undefined): number {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
}

/** `cpu  user nice system idle iowait irq softirq steal guest guest_nice`; kernels before 2.6.11 stop earlier. */
function parseCpuLine(stat: string | null): CpuTicks | null {
  const line = stat?.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return null;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(ticks);
  if (fields.length < 4 || fields.some(Number.isNaN)) return null;
  const [, , , idle, iowait = 0, , , steal = 0] = fields;
  return { total: fields.reduce((sum, n) => sum + n, 0), idle, iowait, steal };
}

/** Fields 14 (utime) and 15 (stime); field 2 (comm) may hold spaces and ')', so count from the last ')'. */
function parseSelfTicks(stat: string | null): number | null {
  const close = stat?.lastIndexOf(")") ?? -1;
  if (close < 0) return null;
  const rest = stat!.slice(close + 1).trim().split(/\s+/); // rest[0] is field 3
  const total = ticks(rest[11]) + ticks(rest[12]);
  return Number.isNaN(total) ? null : total;
}

function parseLoadAvg(loadavg: string | null): number | null {
  const first = loadavg?.trim().split(/\s+/)[0];
  return first !== undefined && /^\d+(\.\d+)?$/.test(first) ? Number(first) : null;
}

function share(part: number, total: number): number {
  return Math.round(Math.min(1, Math.max(0, part / total)) * 1000) / 1000;
}
