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

const wholeBetween = (name: string, min: number, max: number, why = "") =>
  v.pipe(
    v.number(`${name} must be a number`),
    v.integer(`${name} must be a whole number`),
    v.minValue(min, `${name} must be ≥ ${min}`),
    v.maxValue(max, `${name} must be ≤ ${max}${why}`),
  );

/** Most watts a mock may draw: no single machine attnbench runs on draws 10 kW. */
const MAX_WATTS = 10_000;

const watts = v.pipe(
  v.number("watts must be a number"),
  v.finite("watts must be finite"),
  v.minValue(0, "watts must be ≥ 0"),
  v.maxValue(MAX_WATTS, `watts must be ≤ ${MAX_WATTS} (a mock's draw, in watts)`),
);

const tracePoint = v.strictObject({
  at_s: v.pipe(
    v.number("at_s must be a number"),
    v.finite("at_s must be finite"),
    v.minValue(0, "at_s must be ≥ 0"),
  ),
  watts,
});

const trace = v.pipe(
  v.array(tracePoint, "trace must be a list of { at_s, watts }"),
  v.minLength(1, "trace must have at least one point"),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    dataset.value.forEach((point, i) => {
      const before = dataset.value[i - 1];
      if (before && !(point.at_s > before.at_s)) {
        addIssue({
          input: point.at_s,
          message: `trace times must increase: point ${i} is at ${point.at_s} s, point ${
            i - 1
          } at ${before.at_s} s`,
          path: [{
            type: "array",
            origin: "value",
            input: dataset.value,
            key: i,
            value: point,
          }],
        });
      }
    });
  }),
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
  /**
   * Options for a source loaded from a module (by path or package), handed to its default export
   * when that is a function `(options) => PowerSource`; a built-in source takes its own keys below.
   */
  source_options: v.optional(v.record(v.string(), v.unknown(), "source_options must be a map")),
  /** Sampling period of the worker, ms (at most a minute: a slower meter misses whole cases). */
  interval_ms: v.optional(wholeBetween("interval_ms", 1, 60_000, " (one sample a minute)"), 10),
  /** Idle power measured this long before the first case (0: none); gives net energy per case. */
  idle_baseline_ms: v.optional(
    wholeBetween("idle_baseline_ms", 0, 600_000, " (ten minutes of idle measurement)"),
    0,
  ),
  /** mock: constant draw in watts. */
  watts: v.optional(watts, 75),
  /** mock: a scripted trace of watts over seconds since the sampler started, instead of `watts`. */
  trace: v.optional(trace),
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
      device: v.optional(wholeBetween("device", 0, 1023), 0),
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
