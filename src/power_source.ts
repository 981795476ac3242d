/**
 * The contract of a power source: where the power profiler gets joules or watts from. A source is
 * a named object with `detect()` and one or both readers; RAPL, NVML and the mocks in `sources/`
 * are written against exactly this, so a third-party meter has the same powers as the built-ins.
 *
 * @example
 * ```ts
 * import { definePowerSource } from "./power_source.ts";
 *
 * let joules = 0;
 * const meter = definePowerSource({
 *   name: "wall-meter",
 *   detect: () => true,
 *   readEnergyJoules: () => (joules += 1.5),
 * });
 * if ((await meter.detect()) === true) console.log(await meter.readEnergyJoules());
 * ```
 * @module
 */
import type { Awaitable } from "./contracts.ts";

/**
 * A source of energy or power readings.
 *
 * Call `detect()` first and read only when it returned `true`. Which readers exist may depend on
 * the hardware, so a source may add them in `detect()` (NVML offers the energy counter only on
 * Volta and newer GPUs): check for `readEnergyJoules` / `readWatts` after detecting, not before.
 * When both exist, the energy counter is the better measurement (the hardware integrates).
 *
 * @example
 * ```ts
 * import type { PowerSource } from "./source.ts";
 *
 * async function windowJoules(source: PowerSource, work: () => void): Promise<number | string> {
 *   const ok = await source.detect();
 *   if (ok !== true) return ok; // e.g. "no RAPL zones under /sys/class/powercap (...)"
 *   if (!source.readEnergyJoules) return `${source.name} has no energy counter`;
 *   const begin = await source.readEnergyJoules();
 *   work();
 *   return (await source.readEnergyJoules()) - begin;
 * }
 * ```
 */
export interface PowerSource {
  /** Short stable name recorded with every measurement, e.g. `"rapl"`, `"nvml"`, `"mock"`. */
  name: string;
  /**
   * `true` when the source can be read here; otherwise the human reason it cannot, saying what was
   * found and, when there is one, the fix (`run as root, or: sudo chmod o+r ...`). Acquires what
   * the readers need (open files, libraries); `close()` releases it.
   */
  detect(): Awaitable<true | string>;
  /**
   * Cumulative energy in joules from a fixed origin the source chooses (e.g. when `detect()`
   * succeeded): never decreasing, so only the difference between two reads is meaningful.
   * Counter wraparound is the source's job; a reset it cannot correct (a GPU driver reload)
   * shows as a decrease.
   */
  readEnergyJoules?(): Awaitable<number>;
  /** Power drawn now, in watts (instantaneous or the device's own short average). */
  readWatts?(): Awaitable<number>;
  /** Releases what `detect()` acquired. Safe to call more than once, and without `detect()`. */
  close?(): Awaitable<void>;
}

/**
 * Identity helper that keeps a power source's own type (its extra fields and which readers it
 * has) while checking it against {@link PowerSource}.
 *
 * @example
 * ```ts
 * export default definePowerSource({ name: "fixed", detect: () => true, readWatts: () => 42 });
 * ```
 */
export function definePowerSource<S extends PowerSource>(source: S): S {
  return source;
}
