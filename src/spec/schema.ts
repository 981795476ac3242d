/**
 * The spec v1 schema (valibot). Messages name what was expected, so an issue renders as
 * `<path>: expected <message>, found <value>`. The JSON Schema for editors is generated from it.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { specSchema } from "./schema.ts";
 * const spec = v.parse(specSchema, { version: 1, name: "x", kernel: "softmax", params: { seq_len: 8, d: 4 } });
 * spec.bench.min_samples; // 12
 * ```
 * @module
 */
import path from "node:path";
import * as v from "valibot";

const scalar = v.union(
  [v.number(), v.string(), v.boolean()],
  "a number, string or boolean",
);

const axis = v.pipe(
  v.array(scalar, "a list of values"),
  v.minLength(1, "at least one value in a grid axis (an empty list makes an empty grid)"),
);

const paramValue = v.union([scalar, axis], "a value or a non-empty list of values");

const positiveInt = (what: string) =>
  v.pipe(v.number(what), v.integer(what), v.minValue(1, what), v.safeInteger(what));

const nonNegative = (what: string) => v.pipe(v.number(what), v.minValue(0, what));

/** A plugin: its name (built-in, relative path or package), or a one-key map of name → options. */
const pluginEntry = v.union([
  v.pipe(v.string(), v.nonEmpty("a plugin name")),
  v.pipe(
    v.record(
      v.string(),
      v.nullable(v.record(v.string(), v.unknown(), "a map of options")),
      "a plugin name or a one-key map",
    ),
    v.check((entry) => Object.keys(entry).length === 1, "a one-key map { plugin: { options } }"),
  ),
], "a plugin name or a one-key map { plugin: { options } }");

const budget = v.pipe(
  v.strictObject({
    /** Samples the timed loop takes at least (unless the case's deadline comes first). */
    min_samples: v.optional(positiveInt("a positive integer"), 12),
    /** Samples the timed loop takes at most. */
    max_samples: v.optional(positiveInt("a positive integer"), 100_000),
    /** Timed time to accumulate before stopping, in milliseconds (also the warm-up floor when under 100). */
    min_time_ms: v.optional(nonNegative("a non-negative number of milliseconds"), 500),
    /** Wall-clock cap of one case's timed loop, in milliseconds. */
    max_time_ms: v.optional(
      v.pipe(
        v.number("a positive number of milliseconds"),
        v.gtValue(0, "a positive number of milliseconds"),
      ),
      10_000,
    ),
    /** Untimed calls at least before measuring (0: none); more until the time per call settles. */
    warmup: v.optional(
      v.pipe(
        v.number("a non-negative integer"),
        v.integer("a non-negative integer"),
        v.minValue(0, "a non-negative integer"),
        v.safeInteger("a non-negative integer"),
      ),
      3,
    ),
    /** Wall-clock cap of a whole case in its worker process, ms (not hashed; see src/limits.ts). */
    timeout_ms: v.optional(
      v.pipe(
        v.number("a positive number of milliseconds"),
        v.gtValue(0, "a positive number of milliseconds"),
        v.finite("a positive number of milliseconds"),
      ),
    ),
    /** Resident memory cap of the worker process, MiB (not hashed; see src/limits.ts). */
    memory_limit_mb: v.optional(
      v.pipe(
        v.number("a whole number of MiB, at least 64"),
        v.integer("a whole number of MiB, at least 64"),
        v.minValue(64, "a whole number of MiB, at least 64"),
        v.safeInteger("a whole number of MiB, at least 64"),
      ),
    ),
  }, "a map with min_samples, max_samples, min_time_ms, max_time_ms, warmup, timeout_ms, memory_limit_mb"),
  v.check((b) => b.min_samples <= b.max_samples, "min_samples ≤ max_samples"),
  v.check(
    (b) => b.timeout_ms === undefined || b.timeout_ms > b.max_time_ms,
    "timeout_ms greater than max_time_ms (a case's cap must leave room for its timed loop)",
  ),
);

/** Spec version 1. */
export const specSchema = v.strictObject({
  version: v.literal(1, "version 1"),
  name: v.pipe(
    v.string("a name"),
    v.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a name of letters, digits, '.', '_' or '-'"),
  ),
  description: v.optional(v.string("a text"), ""),
  seed: v.optional(
    v.pipe(
      v.number("a non-negative integer"),
      v.integer("a non-negative integer"),
      v.minValue(0, "a non-negative integer"),
      v.safeInteger("a non-negative integer"),
    ),
    42,
  ),
  kernel: v.union([
    v.pipe(v.string(), v.nonEmpty("a kernel name")),
    v.pipe(
      v.array(v.pipe(v.string("a kernel name"), v.nonEmpty("a kernel name")), "a list of kernels"),
      v.minLength(1, "at least one kernel"),
    ),
  ], "a kernel name, relative path or package, or a list of them"),
  baseline: v.optional(
    v.pipe(v.string("a kernel name, relative path or package"), v.nonEmpty("a kernel name")),
  ),
  params: v.record(v.string(), paramValue, "a map of parameter → value or list of values"),
  exclude: v.optional(
    v.array(v.record(v.string(), paramValue, "a map of parameter → value(s)"), "a list of maps"),
    [],
  ),
  inputs: v.optional(
    v.strictObject({
      generator: v.optional(v.string("a generator name"), "normal"),
      options: v.optional(v.record(v.string(), v.unknown(), "a map of options"), {}),
      /** Evaluation samples per case for plugins with a `sample` hook (seeds seed, seed+1, ...). */
      samples: v.optional(positiveInt("a positive integer"), 1),
    }, "a map with generator, options and samples"),
    { generator: "normal", options: {}, samples: 1 },
  ),
  bench: v.optional(budget, {}),
  plugins: v.optional(v.array(pluginEntry, "a list of plugins"), ["latency"]),
  output: v.optional(
    v.strictObject({
      /** The spec's results folder (runs go to <dir>/<run id>/); relative to the working directory. */
      dir: v.optional(
        v.pipe(
          v.string("a folder path"),
          v.nonEmpty("a folder path, such as results/my-study"),
          v.check(
            (dir) => path.resolve(dir) !== path.parse(path.resolve(dir)).root,
            "a folder other than the root",
          ),
        ),
      ),
    }, "a map with dir"),
    {},
  ),
}, "a map with version, name, kernel and params");

/** A validated spec, defaults filled in. */
export type Spec = v.InferOutput<typeof specSchema>;

/** The measurement budget of every case. */
export type Budget = Spec["bench"];

/** One grid value. */
export type ParamValue = number | string | boolean;
