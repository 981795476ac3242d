/**
 * Energy of one measured window from the sampler's samples, its first and last sample being the
 * window's edges. With an energy counter (RAPL, NVML on Volta+, the mocks) the energy is the
 * counter's difference between the edges (`energy.ts` `counterEnergy`): the hardware integrates,
 * samples in between only guard against wraparound and give the power curve. Without one, it is
 * the trapezoid integral of the sampled watts (`energy.ts` `estimateEnergy`).
 *
 * @example
 * ```ts
 * import { windowEnergy } from "./window.ts";
 *
 * const samples = [
 *   { timestamp_us: 0, watts: NaN, joules: 5 },
 *   { timestamp_us: 500_000, watts: NaN, joules: 55 },
 *   { timestamp_us: 1_000_000, watts: NaN, joules: 105 },
 * ];
 * windowEnergy(samples, true, 1000).total_joules; // 100, mean 100 W
 * ```
 * @module
 */
import { counterEnergy, estimateEnergy } from "./energy.ts";
import type { RawSample } from "./sampler.ts";

/**
 * A window's energy, and its samples as rows of the per-case power CSV.
 *
 * @example
 * ```ts
 * const { method, total_joules, mean_watts, peak_watts, duration_s, samples }: WindowEnergy = windowEnergy(raw, true, 5000);
 * ```
 */
export interface WindowEnergy {
  /** `counter`: difference of the energy counter; `trapezoid`: integral of sampled watts. */
  method: "counter" | "trapezoid";
  total_joules: number;
  /** `counter`: joules ÷ seconds (time-weighted); `trapezoid`: arithmetic mean of the samples (as the reference). */
  mean_watts: number;
  /** Largest watts of a sample, or `null` when no sample has watts. */
  peak_watts: number | null;
  duration_s: number;
  samples: number;
  /** `[timestamp_us, watts | null, energy_j since the window's start]` per sample. */
  rows: [number, number | null, number][];
}

/**
 * Energy of a window of at least one sample. `hasCounter` says whether the samples carry the
 * counter's `joules`. Samples without watts of their own (RAPL has no power reading) get the
 * average power since the previous sample when at least `minGapUs` apart, else none: two edge
 * samples microseconds apart would divide counter noise by almost nothing. Throws the counter's
 * `RangeError` when it went down (a reset: the window is invalid).
 *
 * @example
 * ```ts
 * windowEnergy([{ timestamp_us: 0, watts: 10, joules: NaN }, { timestamp_us: 1e6, watts: 30, joules: NaN }], false, 1000);
 * // { method: "trapezoid", total_joules: 20, mean_watts: 20, peak_watts: 30, duration_s: 1, samples: 2, rows: [...] }
 * ```
 */
export function windowEnergy(
  samples: readonly RawSample[],
  hasCounter: boolean,
  minGapUs: number,
): WindowEnergy {
  const first = samples[0], last = samples[samples.length - 1];
  if (hasCounter) {
    const energy = counterEnergy(
      { joules: first.joules, timestamp_us: first.timestamp_us },
      { joules: last.joules, timestamp_us: last.timestamp_us },
    );
    const rows = samples.map((s, i): [number, number | null, number] => {
      const watts = Number.isFinite(s.watts) ? s.watts : averageSince(samples[i - 1], s, minGapUs);
      return [s.timestamp_us, watts, s.joules - first.joules];
    });
    return { method: "counter", ...energy, peak_watts: peakOf(rows), samples: samples.length, rows };
  }
  const energy = estimateEnergy(samples);
  let cumulative = 0;
  const rows = samples.map((s, i): [number, number | null, number] => {
    if (i > 0) cumulative += estimateEnergy([samples[i - 1], s]).total_joules;
    return [s.timestamp_us, s.watts, cumulative];
  });
  return { method: "trapezoid", ...energy, peak_watts: peakOf(rows), rows };
}

/** Average watts between two counter samples, or `null` when they are too close (or there is no previous). */
function averageSince(previous: RawSample | undefined, sample: RawSample, minGapUs: number): number | null {
  if (!previous || sample.timestamp_us - previous.timestamp_us < minGapUs) return null;
  return (sample.joules - previous.joules) / ((sample.timestamp_us - previous.timestamp_us) / 1e6);
}

function peakOf(rows: readonly [number, number | null, number][]): number | null {
  let peak: number | null = null;
  for (const [, watts] of rows) if (watts !== null && (peak === null || watts > peak)) peak = watts;
  return peak;
}
