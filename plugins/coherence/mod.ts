/**
 * `coherence`: how far a kernel's output drifts from its baseline's, per evaluation sample, with
 * the metrics of ruvector-coherence (reference ruvector.md §2). Each sample of a `kernel` case is
 * compared with the same sample of the baseline case it is paired with (`baseline_hash`: the one
 * from the same grid point, so the same inputs, backend, causal, ...): cosine and l2
 * (quality_check at `threshold`), coherence delta, decision flips and path-length change
 * (delta_behavior); per case the batch figures of evaluate_batch (mean and sample std of the
 * delta, 95 % interval with z = 1.96, pass rate). For kernels that expose a keep mask
 * (`keepMask`), each sample's mask is also compared with the mask of the control case — the case
 * with `variant: <mask_control>` and the same inputs, `eps` and `tau` — by Jaccard, edge flips and
 * sparsity ratio (compare_attention_masks). The control's cases must run first: list its value
 * first in the `variant` axis.
 *
 * Per-case CSV `coherence/<config_hash>.csv`: `sample_id,seq_len,cosine,l2,coherence_delta,
 * decision_flips,path_length_change,passes` and, with masks, `jaccard,edge_flips,baseline_edges,
 * gated_edges,sparsity_ratio`.
 *
 * @example
 * ```yaml
 * baseline: softmax
 * inputs: { samples: 8 }
 * plugins:
 *   - coherence: { threshold: 0.99 }
 * ```
 * @module
 */
import * as v from "valibot";
import { defineProfiler, type MetricValue, type ProfilerDefinition, type Table } from "../../plugin_kit.ts";
import { BatchAccumulator } from "./batch.ts";
import { compareAttentionMasks, type ComparisonResult } from "./masks.ts";
import { deltaBehavior } from "./metrics.ts";
import { qualityCheck } from "./quality.ts";

/**
 * The `threshold` option: the cosine similarity to the baseline a sample needs to pass
 * (quality_check), from -1 to 1, 0.99 when left out. The mincut-study plugin takes the same.
 *
 * @example
 * ```ts
 * v.parse(v.object({ threshold: thresholdOption }), {}); // { threshold: 0.99 }
 * ```
 */
export const thresholdOption = v.optional(
  v.pipe(
    v.number("a number between -1 and 1"),
    v.minValue(-1, "a number between -1 and 1"),
    v.maxValue(1, "a number between -1 and 1"),
  ),
  0.99,
);

const options = v.strictObject({
  /** Cosine similarity a sample needs to pass (quality_check). */
  threshold: thresholdOption,
  /** `variant` value of the mask control cases. */
  mask_control: v.optional(v.string("a variant name"), "eps-only"),
});

const COLUMNS = [
  "sample_id",
  "seq_len",
  "cosine",
  "l2",
  "coherence_delta",
  "decision_flips",
  "path_length_change",
  "passes",
];
const MASK_COLUMNS = ["jaccard", "edge_flips", "baseline_edges", "gated_edges", "sparsity_ratio"];

/** The coherence profiler. */
const coherence: ProfilerDefinition<v.InferOutput<typeof options>> = defineProfiler({
  name: "coherence",
  apiVersion: 1,
  description:
    "output drift against the baseline per sample (ruvector-coherence metrics) and keep-mask comparison with a control",
  options,
  metrics: {
    mean_coherence_delta: {
      type: "double",
      description: "mean coherence delta against the paired baseline case",
    },
    std_coherence_delta: { type: "double", description: "standard deviation of that delta" },
    ci_95_lower: { type: "double", description: "lower end of the 95 % interval of the mean delta" },
    ci_95_upper: { type: "double", description: "upper end of that interval" },
    pass_rate: { type: "double", unit: "ratio", description: "share of samples within the threshold" },
    n_samples: { type: "integer", description: "evaluation samples compared" },
    mean_jaccard: { type: "double", description: "mean Jaccard similarity of the gate masks" },
    mean_edge_flips: { type: "double", description: "mean edges that changed between consecutive masks" },
    mean_sparsity_ratio: {
      type: "double",
      unit: "ratio",
      description: "mean share of edges the gate removed",
    },
  },
  create(opts) {
    const baselineOutputs = new Map<string, Float32Array>();
    const controlMasks = new Map<string, Uint8Array>();
    let current = emptyCase("", opts.threshold);
    const caseState = (
      hash: string,
    ) => (current.hash === hash ? current : (current = emptyCase(hash, opts.threshold)));
    return {
      sample(ctx, sample) {
        const key = `${ctx.case.inputs_key}#${sample.index}`;
        const output = sample.instance.output;
        if (ctx.case.role === "baseline") {
          baselineOutputs.set(`${ctx.case.config_hash}#${sample.index}`, output.slice());
          return;
        }
        const state = caseState(ctx.case.config_hash);
        const mask = (sample.instance as { keepMask?: unknown }).keepMask;
        const maskKey = `${key}#${String(ctx.case.params.eps)}#${String(ctx.case.params.tau)}`;
        if (mask instanceof Uint8Array && ctx.case.params.variant === opts.mask_control) {
          controlMasks.set(maskKey, mask.slice());
        }
        // The baseline case made from the same grid point: same inputs, same backend, causal, ...
        const reference = baselineOutputs.get(`${ctx.case.baseline_hash}#${sample.index}`);
        if (!reference) return;
        const quality = qualityCheck(reference, output, opts.threshold);
        const delta = deltaBehavior(reference, output);
        state.batch.add(reference, output);
        const row: MetricValue[] = [
          sample.index,
          ctx.case.shape.seq_len,
          quality.cosine_sim,
          quality.l2_dist,
          delta.coherence_delta,
          delta.decision_flips,
          delta.path_length_change,
          quality.passes_threshold,
        ];
        const control = controlMasks.get(maskKey);
        if (mask instanceof Uint8Array && control) {
          const cmp = compareAttentionMasks(control, mask);
          row.push(cmp.jaccard, cmp.edge_flips, cmp.baseline_edges, cmp.gated_edges, cmp.sparsity_ratio);
          state.masks.push(cmp);
        }
        state.rows.push(row);
      },
      stop(ctx) {
        const state = caseState(ctx.case.config_hash);
        const result = state.batch.result();
        const metrics: Record<string, MetricValue> = result.n_samples === 0 ? {} : {
          mean_coherence_delta: result.mean_coherence_delta,
          std_coherence_delta: result.std_coherence_delta,
          ci_95_lower: result.ci_95_lower,
          ci_95_upper: result.ci_95_upper,
          pass_rate: result.pass_rate,
          n_samples: result.n_samples,
        };
        if (state.masks.length > 0) {
          const mean = (pick: (c: ComparisonResult) => number) =>
            state.masks.reduce((sum, c) => sum + pick(c), 0) / state.masks.length;
          metrics.mean_jaccard = mean((c) => c.jaccard);
          metrics.mean_edge_flips = mean((c) => c.edge_flips);
          metrics.mean_sparsity_ratio = mean((c) => c.sparsity_ratio);
        }
        return metrics;
      },
      tables(ctx): Table[] {
        const { rows } = caseState(ctx.case.config_hash);
        if (rows.length === 0) return [];
        const withMasks = rows.some((r) => r.length > COLUMNS.length);
        return [{
          name: "coherence",
          columns: withMasks ? [...COLUMNS, ...MASK_COLUMNS] : COLUMNS,
          rows: withMasks
            ? rows.map((r) => (r.length === COLUMNS.length ? [...r, ...MASK_COLUMNS.map(() => null)] : r))
            : rows,
        }];
      },
    };
  },
});

interface CaseState {
  hash: string;
  rows: MetricValue[][];
  batch: BatchAccumulator;
  masks: ComparisonResult[];
}

function emptyCase(hash: string, threshold: number): CaseState {
  return { hash, rows: [], batch: new BatchAccumulator(threshold), masks: [] };
}

export default coherence;
