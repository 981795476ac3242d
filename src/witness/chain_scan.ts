/**
 * The structural half of a witness check, cheap and in bundle order: every chain file is read,
 * every line parsed and linked to the one before it (`prev_hash`), its case looked up, and each
 * chain's length and head compared with the bundle. It stops at the first problem; the lines
 * before it are grouped by case for the re-run (the expensive half, see case_replay.ts), which may
 * then run the cases in any order and on any thread: a failure is placed by its line's ordinal.
 *
 * @example
 * ```ts
 * import { scanChains } from "./chain_scan.ts";
 * const scan = await scanChains(dir, bundle, new Set(plan.cases.map((c) => c.config_hash)));
 * scan.stop ?? "every chain is well formed"; scan.cases.length; // 52 for the min-cut study
 * ```
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { describe, SpecError } from "../errors.ts";
import { sha256Hex } from "../hash.ts";
import type { Bundle } from "./chain.ts";
import type { ReplayLine } from "./case_replay.ts";
import { GENESIS } from "./entry.ts";

/** Every line of one case, in bundle order: re-run in order on one fresh instance. */
export interface CaseLines {
  config_hash: string;
  /** The position in the bundle of the chain its first line is in. */
  chain: number;
  lines: ReplayLine[];
}

/** A chain whose structure checked out: its lines, if they re-run, are verified. */
export interface CheckedChain {
  name: string;
  lines: number;
  /** The cases with lines in it. */
  cases: string[];
}

/** The first structural problem: a failure to report, or an error to throw (e.g. a chain file that cannot be read). */
export type ScanStop = { message: string } | { error: Error };

/** What the scan found. */
export interface ChainScan {
  /** The lines before the first problem, by case, cases in the order their first lines come. */
  cases: CaseLines[];
  /** The chains checked through to their head, in bundle order. */
  chains: CheckedChain[];
  /** Lines checked (all of them when nothing stopped the scan). */
  lines: number;
  /** The first problem, in bundle order; none when every chain is well formed. */
  stop?: ScanStop;
}

/**
 * Reads and checks the bundle's chains in order, stopping at the first problem. `known` holds
 * the config hashes of the manifest's cases.
 *
 * @example
 * ```ts
 * const { cases, stop } = await scanChains("results/mincut/latest", bundle, known);
 * ```
 */
export async function scanChains(
  dir: string,
  bundle: Bundle,
  known: ReadonlySet<string>,
): Promise<ChainScan> {
  const byCase = new Map<string, CaseLines>();
  const chains: CheckedChain[] = [];
  let ordinal = 0;
  const scanned = (stop?: ScanStop): ChainScan => ({
    cases: [...byCase.values()],
    chains,
    lines: ordinal,
    stop,
  });
  // What throws (a chain file that cannot be read) stops the scan there too, as it would the
  // sequential check, after the lines before it.
  try {
    for (const [position, [name, chain]] of Object.entries(bundle.chains).entries()) {
      const text = await readText(dir, chain.file);
      if (!text.endsWith("\n") && text !== "") {
        return scanned({ message: `${chain.file}: the last line is incomplete (no newline)` });
      }
      const own = text.split("\n").slice(0, -1);
      const cases = new Set<string>();
      let prev = GENESIS;
      for (const [i, line] of own.entries()) {
        const at = `${chain.file} line ${i + 1}`;
        let json: Record<string, unknown>;
        try {
          json = JSON.parse(line);
        } catch {
          return scanned({ message: `${at}: not JSON` });
        }
        if (json.prev_hash !== prev) {
          return scanned({
            message: `${at}: prev_hash ${
              String(json.prev_hash).slice(0, 12)
            }… is not the hash of line ${i} (${
              prev.slice(0, 12)
            }…): a line before it was changed, dropped or moved`,
          });
        }
        const hash = String(json.config_hash);
        if (!known.has(hash)) {
          return scanned({ message: `${at}: config_hash ${hash} is not a case of the manifest's spec` });
        }
        const group = byCase.get(hash) ?? { config_hash: hash, chain: position, lines: [] };
        byCase.set(hash, group);
        group.lines.push({ ordinal: ordinal++, at, text: line });
        cases.add(hash);
        prev = await sha256Hex(line);
      }
      if (own.length !== chain.lines) {
        return scanned({
          message:
            `${chain.file}: ${own.length} lines, the bundle records ${chain.lines} (lines were dropped or added at the end)`,
        });
      }
      if (prev !== chain.head) {
        return scanned({
          message: `${chain.file}: head ${prev} is not the bundle's ${chain.head} for ${name}`,
        });
      }
      chains.push({ name, lines: chain.lines, cases: [...cases] });
    }
  } catch (error) {
    return scanned({ error: error as Error });
  }
  return scanned();
}

/**
 * A file of the results folder as text; a `VERIFY_INPUT` error when it cannot be read.
 *
 * @example
 * ```ts
 * const text = await readText("results/mincut/latest", "witness/bundle.json");
 * ```
 */
export async function readText(dir: string, relative: string): Promise<string> {
  try {
    return await fs.readFile(path.join(dir, relative), "utf8");
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new SpecError(
      "VERIFY_INPUT",
      `cannot read ${path.join(dir, relative)}: ${
        code === "ENOENT" ? "no such file" : describe(cause)
      }; expected a results folder written by a run with the mincut-study plugin`,
      undefined,
      { cause },
    );
  }
}
