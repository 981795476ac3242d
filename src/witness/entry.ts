/**
 * Witness lines. `witnessLog` is the reference `witness_log` (ruvector.md §1.6): compact JSON in
 * the record's field order, f32 fields in serde's f32 format. `chainLine` extends an entry with
 * what the original lacked: the output's hash, the config hash, the seed, the sample and the
 * hash of the previous line, so a file of lines is a chain.
 *
 * @example
 * ```ts
 * import { witnessLog } from "./entry.ts";
 * witnessLog({ q_hash: "a", k_hash: "b", keep_mask: [true, false], cut_cost: 1.5, lambda: 0.5, tau: 2, eps: 0.01, timestamp: 1000 });
 * // '{"q_hash":"a","k_hash":"b","keep_mask":[true,false],"cut_cost":1.5,"lambda":0.5,"tau":2,"eps":0.01,"timestamp":1000}'
 * ```
 * @module
 */
import { Buffer } from "node:buffer";
import { formatF32Json } from "./f32_json.ts";

/** The reference WitnessEntry. */
export interface WitnessEntry {
  q_hash: string;
  k_hash: string;
  /** Per logit entry, row-major; 0/1 numbers or booleans, or a mask already encoded. */
  keep_mask: ArrayLike<boolean | number> | EncodedMask;
  cut_cost: number;
  lambda: number;
  tau: number;
  eps: number;
  /** Caller-supplied; attnbench writes Unix seconds, as the original README's example. */
  timestamp: number;
}

/** What a chain line adds to an entry. */
export interface ChainFields {
  output_hash: string;
  config_hash: string;
  seed: number;
  sample_id: number;
  seq_len: number;
  /** SHA-256 of the previous line's text ({@link GENESIS} for the first line). */
  prev_hash: string;
}

/** A mask already turned into its JSON text by {@link encodeMask}. */
export interface EncodedMask {
  readonly json: string;
}

/** How `keep_mask` is written: the reference's JSON booleans, or a base64 bitset string. */
export type MaskEncoding = "bools" | "bitset";

/** `prev_hash` of a chain's first line. */
export const GENESIS: string = "0".repeat(64);

/**
 * The reference `witness_log` line (no trailing newline).
 *
 * @example
 * ```ts
 * witnessLog(entry).startsWith('{"q_hash":'); // true
 * ```
 */
export function witnessLog(entry: WitnessEntry, encoding: MaskEncoding = "bools"): string {
  return `{"q_hash":${JSON.stringify(entry.q_hash)},"k_hash":${JSON.stringify(entry.k_hash)},` +
    `"keep_mask":${
      "json" in entry.keep_mask ? entry.keep_mask.json : encodeMask(entry.keep_mask, encoding)
    },"cut_cost":${formatF32Json(entry.cut_cost)},` +
    `"lambda":${formatF32Json(entry.lambda)},"tau":${integer(entry.tau)},"eps":${formatF32Json(entry.eps)},` +
    `"timestamp":${integer(entry.timestamp)}}`;
}

/**
 * A chain line: the entry's fields, then the chain fields, in that order.
 *
 * @example
 * ```ts
 * chainLine(entry, { output_hash, config_hash, seed: 42, sample_id: 0, seq_len: 64, prev_hash: GENESIS }, "bitset");
 * ```
 */
export function chainLine(entry: WitnessEntry, chain: ChainFields, encoding: MaskEncoding): string {
  const head = witnessLog(entry, encoding).slice(0, -1);
  return `${head},"output_hash":${JSON.stringify(chain.output_hash)},"config_hash":${
    JSON.stringify(chain.config_hash)
  },` +
    `"seed":${integer(chain.seed)},"sample_id":${integer(chain.sample_id)},"seq_len":${
      integer(chain.seq_len)
    },` +
    `"prev_hash":${JSON.stringify(chain.prev_hash)}}`;
}

/**
 * A mask as JSON: `[true,false,...]`, or `"b64:..."` where bit i is bit (i mod 8) of byte i / 8.
 *
 * @example
 * ```ts
 * encodeMask([1, 0, 1], "bitset"); // '"b64:BQ=="'
 * ```
 */
export function encodeMask(mask: ArrayLike<boolean | number>, encoding: MaskEncoding): string {
  if (encoding === "bools") {
    let out = "[";
    for (let i = 0; i < mask.length; i++) out += (i ? "," : "") + (mask[i] ? "true" : "false");
    return out + "]";
  }
  const bytes = new Uint8Array(Math.ceil(mask.length / 8));
  // Without a branch: a half-random mask would mispredict one every other entry.
  for (let i = 0; i < mask.length; i++) bytes[i >> 3] |= Number(Boolean(mask[i])) << (i & 7);
  return `"b64:${Buffer.from(bytes).toString("base64")}"`;
}

function integer(value: number): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`expected a non-negative integer, found ${value}`);
  }
  return String(value);
}
