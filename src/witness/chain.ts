/**
 * Witness chains and the bundle that binds them. Each line of a chain carries the SHA-256 of the
 * line before it, so a changed, dropped or reordered line breaks every link after it; the bundle
 * binds the spec, the measured cases and every chain's head and length under one root hash.
 *
 * @example
 * ```ts
 * import { buildChain, sealBundle } from "./chain.ts";
 * const chain = await buildChain([{ entry, fields }], "bitset");
 * const bundle = await sealBundle({ spec_sha256, manifest_sha256, cases, mask_encoding: "bitset", chains: { s: { file: "witness/s.jsonl", lines: 1, head: chain.head } } });
 * ```
 * @module
 */
import { configHash, sha256Hex } from "../hash.ts";
import { type ChainFields, chainLine, GENESIS, type MaskEncoding, type WitnessEntry } from "./entry.ts";

/** Format name written into every bundle. */
export const BUNDLE_FORMAT = "attnbench-witness/2";

/**
 * The plugin that writes witness chains; a run with it is followed by their check.
 *
 * @example
 * ```ts
 * plan.plugins.some((p) => p.definition.name === WITNESS_PLUGIN); // a study run
 * ```
 */
export const WITNESS_PLUGIN = "mincut-study";

/** One line to be: the reference entry plus its chain fields (without the link). */
export interface ChainItem {
  entry: WitnessEntry;
  fields: Omit<ChainFields, "prev_hash">;
}

/** A finished chain. */
export interface Chain {
  lines: string[];
  /** SHA-256 of the last line ({@link GENESIS} for an empty chain). */
  head: string;
}

/** `witness/bundle.json`. */
export interface Bundle {
  format: string;
  spec_sha256: string;
  /** {@link manifestRecordSha256} of manifest.json: its spec, environment and case records. */
  manifest_sha256: string;
  /** config_hash of every case the chains cover, in run order. */
  cases: string[];
  mask_encoding: MaskEncoding;
  chains: Record<string, { file: string; lines: number; head: string }>;
  /** SHA-256 of the canonical JSON of every other field. */
  root: string;
}

/**
 * Links items into chain lines.
 *
 * @example
 * ```ts
 * (await buildChain([], "bools")).head === GENESIS; // true
 * ```
 */
export async function buildChain(items: ChainItem[], encoding: MaskEncoding): Promise<Chain> {
  const lines: string[] = [];
  let prev = GENESIS;
  for (const item of items) {
    const line = chainLine(item.entry, { ...item.fields, prev_hash: prev }, encoding);
    lines.push(line);
    prev = await sha256Hex(line);
  }
  return { lines, head: prev };
}

/**
 * The bundle with its root hash.
 *
 * @example
 * ```ts
 * (await sealBundle(content)).root.length; // 64
 * ```
 */
export async function sealBundle(content: Omit<Bundle, "root" | "format">): Promise<Bundle> {
  const unsealed = { format: BUNDLE_FORMAT, ...content };
  return { ...unsealed, root: await configHash(unsealed) };
}

/**
 * Recomputes a bundle's root from its other fields.
 *
 * @example
 * ```ts
 * (await bundleRoot(bundle)) === bundle.root; // true when untouched
 * ```
 */
export function bundleRoot(bundle: Bundle): Promise<string> {
  const { root: _root, ...content } = bundle;
  return configHash(content);
}
