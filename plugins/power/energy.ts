/**
 * Energy of a measured window, from polled power samples (trapezoid rule, exactly the reference
 * `estimate_energy` of ruvector-profiler, ruvector.md §3.2) or from two reads of an energy counter.
 *
 * @example
 * ```ts
 * import { counterEnergy, estimateEnergy } from "./energy.ts";
 *
 * estimateEnergy([{ watts: 100, timestamp_us: 0 }, { watts: 100, timestamp_us: 1_000_000 }]).total_joules; // 100
 * counterEnergy({ joules: 10, timestamp_us: 0 }, { joules: 40, timestamp_us: 2_000_000 }).mean_watts; // 15
 * ```
 * @module
 */

/**
 * One power reading: watts at a timestamp in microseconds (the reference uses wall-clock µs since
 * the epoch; any single clock works, only differences are used).
 *
 * @example
 * ```ts
 * const sample: PowerSample = { watts: 75, timestamp_us: Date.now() * 1000 };
 * ```
 */
export interface PowerSample {
  watts: number;
  timestamp_us: number;
}

/**
 * Energy estimated from power samples, field for field the reference `EnergyResult`.
 *
 * @example
 * ```ts
 * const { total_joules, mean_watts }: EnergyResult = estimateEnergy(samples);
 * ```
 */
export interface EnergyResult {
  /** Trapezoid integral of the samples, joules. */
  total_joules: number;
  /** Arithmetic mean of the sampled watts (not time-weighted). */
  mean_watts: number;
  /** Largest sampled watts, ignoring NaN (−Infinity when every sample is NaN). */
  peak_watts: number;
  /** Last timestamp minus first, seconds, at least 0. */
  duration_s: number;
  /** Number of samples. */
  samples: number;
}

/**
 * Integrates power samples with the trapezoid rule, as the reference `estimate_energy` does.
 * The samples are meant to be in time order; a pair that goes back in time contributes 0 (the
 * reference subtracts unsigned timestamps with saturation). Fewer than two samples give 0 J and
 * 0 s, with mean and peak equal to the first sample's watts (0 when there is none).
 *
 * @example
 * ```ts
 * estimateEnergy([
 *   { watts: 10, timestamp_us: 0 },
 *   { watts: 20, timestamp_us: 500_000 },
 *   { watts: 40, timestamp_us: 2_000_000 },
 * ]); // { total_joules: 52.5, mean_watts: 23.333333333333332, peak_watts: 40, duration_s: 2, samples: 3 }
 * ```
 */
export function estimateEnergy(samples: readonly PowerSample[]): EnergyResult {
  if (samples.length < 2) {
    const watts = samples[0]?.watts ?? 0;
    return { total_joules: 0, mean_watts: watts, peak_watts: watts, duration_s: 0, samples: samples.length };
  }
  let total = 0;
  for (let i = 1; i < samples.length; i++) {
    const dt = elapsedSeconds(samples[i - 1].timestamp_us, samples[i].timestamp_us);
    total += (samples[i - 1].watts + samples[i].watts) / 2 * dt;
  }
  return {
    total_joules: total,
    mean_watts: samples.reduce((sum, s) => sum + s.watts, 0) / samples.length,
    peak_watts: samples.reduce((peak, s) => s.watts > peak ? s.watts : peak, -Infinity),
    duration_s: elapsedSeconds(samples[0].timestamp_us, samples[samples.length - 1].timestamp_us),
    samples: samples.length,
  };
}

/**
 * One read of a cumulative energy counter (`PowerSource.readEnergyJoules`) and when it was taken.
 *
 * @example
 * ```ts
 * const begin: CounterReading = { joules: await source.readEnergyJoules!(), timestamp_us: performance.now() * 1000 };
 * ```
 */
export interface CounterReading {
  joules: number;
  timestamp_us: number;
}

/**
 * Energy of the window between two counter reads.
 *
 * @example
 * ```ts
 * const { total_joules, duration_s, mean_watts }: CounterEnergy = counterEnergy(begin, end);
 * ```
 */
export interface CounterEnergy {
  /** End minus begin, joules. */
  total_joules: number;
  /** End timestamp minus begin, seconds, at least 0. */
  duration_s: number;
  /** `total_joules / duration_s` (time-weighted by construction); 0 for an empty window. */
  mean_watts: number;
}

/**
 * Energy from the difference of two counter reads. A counter that went down was reset (a GPU
 * driver reload), so the window is invalid: that throws a `RangeError` rather than return a
 * negative or made-up value.
 *
 * @example
 * ```ts
 * counterEnergy({ joules: 10, timestamp_us: 0 }, { joules: 40, timestamp_us: 2_000_000 });
 * // { total_joules: 30, duration_s: 2, mean_watts: 15 }
 * ```
 */
export function counterEnergy(begin: CounterReading, end: CounterReading): CounterEnergy {
  const total = end.joules - begin.joules;
  if (!(total >= 0)) {
    throw new RangeError(
      `energy counter went from ${begin.joules} J to ${end.joules} J; expected a non-decreasing counter ` +
        "(it was reset, e.g. by a driver reload: discard this window)",
    );
  }
  const duration = elapsedSeconds(begin.timestamp_us, end.timestamp_us);
  return { total_joules: total, duration_s: duration, mean_watts: duration > 0 ? total / duration : 0 };
}

/** Seconds from `from_us` to `to_us`, 0 when `to_us` is earlier (unsigned saturating subtraction). */
function elapsedSeconds(from_us: number, to_us: number): number {
  return Math.max(0, to_us - from_us) / 1e6;
}
