/**
 * The schema of `compare --format json` (valibot), from which docs/compare.schema.json is
 * generated (`attnbench compare --json-schema`); a test validates real output against it.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { compareReportSchema } from "./report_schema.ts";
 * v.parse(compareReportSchema, JSON.parse(jsonText));
 * ```
 * @module
 */
import * as v from "valibot";

const nullableNumber = v.nullable(v.number());
const changeClass = v.picklist(["improved", "regressed", "unchanged", "inconclusive"]);
const side = v.strictObject({
  dir: v.string(),
  label: v.string(),
  runtime: v.string(),
  runtime_version: v.string(),
});

const metric = v.strictObject({
  metric: v.string(),
  kind: v.picklist(["samples", "ratio"]),
  a: v.number(),
  b: v.number(),
  change: v.number(),
  low: nullableNumber,
  high: nullableNumber,
  p: nullableNumber,
  n_a: nullableNumber,
  n_b: nullableNumber,
  class: changeClass,
  confidence: v.picklist(["full", "low"]),
  reason: v.string(),
});

/**
 * The report: format tag, options, both sides, the pairs with their metrics, the unpaired cases
 * and the summary.
 *
 * @example
 * ```ts
 * v.is(compareReportSchema, report); // true
 * ```
 */
export const compareReportSchema = v.strictObject({
  format: v.literal("attnbench-compare/1"),
  options: v.strictObject({ noise: v.number(), alpha: v.number(), seed: v.number(), resamples: v.number() }),
  a: side,
  b: side,
  pairs: v.array(v.strictObject({
    kernel: v.string(),
    params: v.record(v.string(), v.unknown()),
    config_hash_a: v.string(),
    config_hash_b: v.string(),
    paired_by: v.picklist(["hash", "identity"]),
    version_a: v.string(),
    version_b: v.string(),
    quality_a: v.string(),
    quality_b: v.string(),
    metrics: v.array(metric),
  })),
  unpaired: v.array(v.strictObject({
    side: v.picklist(["a", "b"]),
    kernel: v.string(),
    params: v.record(v.string(), v.unknown()),
    config_hash: v.string(),
  })),
  summary: v.strictObject({
    counts: v.strictObject({
      improved: v.number(),
      regressed: v.number(),
      unchanged: v.number(),
      inconclusive: v.number(),
    }),
    gate: v.strictObject({ regressed: v.number(), improved: v.number() }),
    geomean_ratio: v.record(v.string(), v.number()),
  }),
});
