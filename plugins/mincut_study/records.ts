/**
 * What the min-cut study keeps of each evaluation sample: its timing, the hashes of its inputs
 * and output and, for gated kernels, its keep mask (already encoded for the witness line) and
 * gate statistics.
 *
 * @example
 * ```ts
 * import { recordSample } from "./records.ts";
 * const record = await recordSample(ctx, sample, "bitset");
 * record.q_hash; // 64 hex characters
 * ```
 * @module
 */
import type { CaseContext, Sample } from "../../plugin_kit.ts";
import { type EncodedMask, encodeMask, type MaskEncoding } from "../../plugin_kit.ts";
import { hashTensor } from "../../plugin_kit.ts";

/** One evaluation sample of one case. */
export interface SampleRecord {
  config_hash: string;
  seq_len: number;
  sample_id: number;
  seed: number;
  wall_time_us: number;
  q_hash: string;
  k_hash: string;
  output_hash: string;
  /** Unix seconds when the sample ran. */
  timestamp: number;
  /** Gated kernels only: the encoded keep mask, kept and total entries, and the cut cost. */
  gate?: { keep_mask: EncodedMask; kept: number; total: number; cut_cost: number };
}

/**
 * Hashes and copies what the study needs from a sample.
 *
 * @example
 * ```ts
 * const r = await recordSample(ctx, sample, "bools");
 * ```
 */
export async function recordSample(
  ctx: CaseContext,
  sample: Sample,
  encoding: MaskEncoding,
): Promise<SampleRecord> {
  const instance = sample.instance as typeof sample.instance & { keepMask?: Uint8Array };
  const stats = instance.stats?.();
  const record: SampleRecord = {
    config_hash: ctx.case.config_hash,
    seq_len: ctx.case.shape.seq_len,
    sample_id: sample.index,
    seed: sample.seed,
    wall_time_us: sample.wall_time_us,
    q_hash: await hashTensor(sample.inputs.q),
    k_hash: await hashTensor(sample.inputs.k),
    output_hash: await hashTensor(instance.output),
    timestamp: Math.floor(Date.now() / 1000),
  };
  if (instance.keepMask instanceof Uint8Array && stats) {
    record.gate = {
      keep_mask: { json: encodeMask(instance.keepMask, encoding) },
      kept: stats.edges_kept,
      total: stats.edges_total,
      cut_cost: stats.cut_cost,
    };
  }
  return record;
}
