/**
 * Options of the `power` profiler, as a spec writes them under `power:`. The sampler worker
 * receives them as they are (plain JSON), so it can build the same source.
 *
 * @example
 * ```yaml
 * plugins:
 *   - power: { source: rapl, fallback: mock, watts: 75, interval_ms: 10, idle_baseline_ms: 2000 }
 * ```
 * @module
 */
import * as v from "valibot";
import { RAPL_DOMAINS } from "./sources/rapl.ts";

const wholeAtLeast = (name: string, min: number) =>
  v.pipe(
    v.number(`${name} must be a number`),
    v.integer(`${name} must be a whole number`),
    v.minValue(min, `${name} must be ≥ ${min}`),
  );

const watts = v.pipe(
  v.number("watts must be a number"),
  v.finite("watts must be finite"),
  v.minValue(0, "watts must be ≥ 0"),
);

/**
 * The options schema; defaults are filled in by validation.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * v.parse(powerOptions, { source: "mock" }).interval_ms; // 10
 * ```
 */
export const powerOptions = v.strictObject({
  /** `rapl`, `nvml`, `mock`, a path relative to the spec, or an installed package. */
  source: v.optional(v.pipe(v.string(), v.minLength(1, "source must not be empty")), "rapl"),
  /** Used when `source` is unavailable here (same forms as `source`). */
  fallback: v.optional(v.pipe(v.string(), v.minLength(1, "fallback must not be empty"))),
  /** Sampling period of the worker, ms. */
  interval_ms: v.optional(wholeAtLeast("interval_ms", 1), 10),
  /** Idle power measured this long before the first case (0: none); gives net energy per case. */
  idle_baseline_ms: v.optional(wholeAtLeast("idle_baseline_ms", 0), 0),
  /** mock: constant draw in watts. */
  watts: v.optional(watts, 75),
  /** mock: a scripted trace of watts over seconds since the sampler started, instead of `watts`. */
  trace: v.optional(v.array(v.strictObject({ at_s: v.number("at_s must be a number"), watts }))),
  /** rapl: the powercap root and the domains summed over every socket. */
  rapl: v.optional(
    v.strictObject({
      root: v.optional(v.string(), "/sys/class/powercap"),
      domains: v.optional(
        v.array(v.picklist(RAPL_DOMAINS, `domains must be some of: ${RAPL_DOMAINS.join(", ")}`)),
        [
          "package",
        ],
      ),
    }),
    {},
  ),
  /** nvml: GPU index (PCI order), and where the library and nvidia-smi are. */
  nvml: v.optional(
    v.strictObject({
      device: v.optional(wholeAtLeast("device", 0), 0),
      library_path: v.optional(v.string(), "libnvidia-ml.so.1"),
      nvidia_smi_path: v.optional(v.string(), "nvidia-smi"),
    }),
    {},
  ),
});

/**
 * Validated options of the power profiler.
 *
 * @example
 * ```ts
 * const options: PowerOptions = v.parse(powerOptions, { source: "rapl", fallback: "mock" });
 * ```
 */
export type PowerOptions = v.InferOutput<typeof powerOptions>;
