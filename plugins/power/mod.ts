/**
 * `power`: energy of each case's timed window from a power source — RAPL, NVML, a mock, or a
 * third-party {@link PowerSource} by path or package — sampled by a worker thread so that a long
 * synchronous kernel call is covered too.
 *
 * `detect` checks `source` here and, when it is unavailable and `fallback` is set, the fallback:
 * the plugin is then active on the fallback and its manifest status says which source is missing
 * and why. `setup` starts the sampler (and, with `idle_baseline_ms`, measures idle power while
 * the process waits); `start` and `stop` each take a sample at that instant, the window's edges.
 * Per case, results.csv gets (prefixed `power_`) `source`, `method` (`counter` or `trapezoid`),
 * `total_joules`, `joules_per_call` (mean watts × mean time per timed call), `mean_watts`,
 * `peak_watts`, `duration_s`, `samples`, and with a baseline `idle_watts` and `net_joules`
 * (total − idle × duration, not clamped). `power/<config_hash>.csv` has
 * `timestamp_us,watts,energy_j,source` (+ `config_hash`), one row per sample, `energy_j` counted
 * from the window's start.
 *
 * @example
 * ```yaml
 * plugins:
 *   - power: { source: rapl, fallback: mock }        # mock energy where RAPL is missing (VMs)
 *   - power: { source: ./meters/wall_meter.ts, interval_ms: 100 }
 * ```
 * @module
 */
import {
  type Availability,
  type CaseContext,
  defineProfiler,
  type Measurement,
  type Metrics,
  type ProfilerDefinition,
  type Table,
} from "../../plugin_kit.ts";
import { type PowerOptions, powerOptions } from "./options.ts";
import { PowerSampler } from "./sampler.ts";
import { deviceMismatches } from "./device_match.ts";
import { probeSource, resolveSource } from "./sources/mod.ts";
import { type WindowEnergy, windowEnergy } from "./window.ts";

/**
 * The power profiler.
 *
 * @example
 * ```ts
 * import power from "./mod.ts";
 * await power.detect?.(env, v.parse(powerOptions, { source: "rapl", fallback: "mock" }), hostContext);
 * // { available: true, note: "rapl unavailable: no RAPL zones under /sys/class/powercap ...; measuring with fallback mock" }
 * ```
 */
const power: ProfilerDefinition<PowerOptions> = defineProfiler({
  name: "power",
  apiVersion: 1,
  description:
    "energy per case (counter difference, else trapezoid of sampled watts) from RAPL, NVML, a mock or your own source",
  options: powerOptions,
  checkOptions(opts, ctx) {
    try {
      resolveSource(opts.source, ctx.specDir);
      if (opts.fallback !== undefined) resolveSource(opts.fallback, ctx.specDir);
    } catch (error) {
      return (error as Error).message;
    }
  },
  checkCases: (opts, cases) => deviceMismatches(opts.source, cases),
  metrics: {
    source: { type: "string", description: "power source that measured (rapl, nvml, mock)" },
    method: { type: "string", description: "how energy was obtained from the source's readings" },
    total_joules: { type: "double", unit: "J", description: "energy over the timed window" },
    joules_per_call: { type: "double", unit: "J", description: "mean power times the mean time per call" },
    mean_watts: { type: "double", unit: "W", description: "mean power over the window" },
    peak_watts: { type: "double", unit: "W", description: "highest power between two readings" },
    duration_s: { type: "double", unit: "s", description: "length of the measured window" },
    samples: { type: "integer", description: "power readings in the window" },
    idle_watts: {
      type: "double",
      unit: "W",
      description: "idle power measured before the first case (subtract_idle)",
    },
    net_joules: { type: "double", unit: "J", description: "total_joules minus idle_watts times duration_s" },
  },
  async detect(_env, opts, ctx): Promise<Availability> {
    const primary = await probeSource(resolveSource(opts.source, ctx.specDir), opts);
    if (primary === true) return true;
    const missing = `${opts.source} unavailable: ${primary}`;
    if (opts.fallback === undefined) return missing;
    const fallback = await probeSource(resolveSource(opts.fallback, ctx.specDir), opts);
    if (fallback !== true) return `${missing}; fallback ${opts.fallback} unavailable too: ${fallback}`;
    return { available: true, note: `${missing}; measuring with fallback ${opts.fallback}` };
  },
  create(opts, host) {
    let sampler: PowerSampler | undefined;
    let idleWatts: number | undefined;
    let begin = 0;
    let last: WindowEnergy | undefined;
    /** Counter-only samples closer than half an interval get no watts of their own. */
    const minGapUs = opts.interval_ms * 500;
    return {
      async setup() {
        sampler = await openSampler(opts, host.specDir);
        if (opts.idle_baseline_ms > 0) idleWatts = await idlePower(sampler, opts.idle_baseline_ms, minGapUs);
      },
      start() {
        begin = sampler!.mark();
      },
      stop(_ctx: CaseContext, measurement: Measurement): Metrics {
        const s = sampler!;
        last = windowEnergy(s.between(begin, s.mark()), s.hasCounter, minGapUs);
        const metrics: Metrics = {
          source: s.source,
          method: last.method,
          total_joules: last.total_joules,
          joules_per_call: last.mean_watts * meanCallSeconds(measurement),
          mean_watts: last.mean_watts,
          peak_watts: last.peak_watts,
          duration_s: last.duration_s,
          samples: last.samples,
        };
        if (idleWatts !== undefined) {
          metrics.idle_watts = idleWatts;
          metrics.net_joules = last.total_joules - idleWatts * last.duration_s;
        }
        return metrics;
      },
      tables(): Table[] {
        const source = sampler!.source;
        const rows = last!.rows.map(([timestamp, watts, joules]) => [timestamp, watts, joules, source]);
        return [{ name: "power", columns: ["timestamp_us", "watts", "energy_j", "source"], rows }];
      },
      async teardown() {
        await sampler?.close();
      },
    };
  },
});

export default power;

/** A sampler on `source`, or on `fallback` when `source` is unavailable in the worker too. */
async function openSampler(opts: PowerOptions, specDir: string): Promise<PowerSampler> {
  const primary = await PowerSampler.open(resolveSource(opts.source, specDir), opts);
  if (typeof primary !== "string") return primary;
  const fallback = opts.fallback === undefined
    ? undefined
    : await PowerSampler.open(resolveSource(opts.fallback, specDir), opts);
  if (fallback !== undefined && typeof fallback !== "string") return fallback;
  throw new Error(
    `${opts.source} unavailable: ${primary}${
      fallback ? `; fallback ${opts.fallback} unavailable too: ${fallback}` : ""
    }`,
  );
}

/** Mean watts (time-weighted) while the process waits `ms` (the sampler's own reads included). */
async function idlePower(sampler: PowerSampler, ms: number, minGapUs: number): Promise<number> {
  const begin = sampler.mark();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const idle = windowEnergy(sampler.between(begin, sampler.mark()), sampler.hasCounter, minGapUs);
  return idle.total_joules / idle.duration_s;
}

/** Timed seconds per call: the samples' per-call times weighted by their calls. */
function meanCallSeconds(m: Measurement): number {
  const timedNs = m.samples_ns.reduce((sum, ns) => sum + ns * m.calls_per_sample, 0);
  return timedNs / m.total_calls / 1e9;
}
