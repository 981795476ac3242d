/**
 * Checks a results folder's witness chains. First the structure — the bundle's root hash, that it
 * binds this manifest (its spec, environment and case records, unchanged since the run) and this
 * manifest's spec, every line's link to the one before it, every chain's length and head — then
 * the content: each case is re-run from the manifest's resolved spec (same seeds, same sample
 * order, a fresh instance) and every line is rebuilt and compared. The first line that diverges
 * is reported with the field and both values.
 *
 * The re-run is most of the time, and cases are independent, so it uses the machine's cores: one
 * worker thread per core (at most one per chain), each taking whole cases as it frees up, and
 * each rebuilding the plan from the manifest itself. Whichever thread finds what, the answer is
 * the sequential check's: the problem on the earliest line in bundle order. With one core, one
 * chain or little to re-run, the cases re-run on this thread, with no thread to start.
 *
 * Only what the chains need is re-run: the kernels, never a profiler plugin. Built-in kernels are
 * used by name; a kernel file or package that the manifest names is imported only with
 * `trust: true` (`verify --trust`), since a results folder can come from anyone.
 *
 * @example
 * ```ts
 * import { verifyResults } from "./verify.ts";
 * const result = await verifyResults("results/mincut");
 * result.ok; // true for an untouched folder
 * ```
 * @module
 */
import path from "node:path";
import { describe, SpecError } from "../errors.ts";
import { manifestRecordSha256 } from "../output/manifest.ts";
import { readManifest } from "../output/run_folder.ts";
import { type Bundle, BUNDLE_FORMAT, bundleRoot } from "./chain.ts";
import { replayCase, SampleInputs } from "./case_replay.ts";
import { type CaseLines, type ChainScan, readText, scanChains } from "./chain_scan.ts";
import { type ManifestPlanOptions, planFromManifest } from "./plan_from_manifest.ts";
import { replayCost, type ReplayLane, replayOrder, replayThreads, runReplays } from "./replay_schedule.ts";
import { startReplayThreads } from "./replay_threads.ts";

/** The outcome of a verification. */
export interface VerifyResult {
  ok: boolean;
  chains: number;
  lines: number;
  /** One line: what was verified, or where and why it first diverged. */
  message: string;
}

/** What the re-run may do. */
export interface VerifyWitnessOptions extends ManifestPlanOptions {
  /**
   * Threads to re-run cases on, at most one per chain; with 1 they re-run on this thread. Default:
   * one per core (`os.availableParallelism()`), or this thread alone for a re-run too small to
   * pay for starting threads (see replay_schedule.ts).
   */
  threads?: number;
  /** Called once the chains are read, before their re-run: the chains, the lines to re-run, the threads. */
  onStart?: (chains: number, lines: number, threads: number) => void;
  /**
   * Called as each chain has been re-run and matched, in the order they finish (`position`: how
   * many have, of `total`), for progress.
   */
  onChain?: (name: string, position: number, total: number, lines: number) => void;
}

/**
 * Verifies the witness chains of a results folder.
 *
 * @example
 * ```ts
 * const { ok, message } = await verifyResults("results/mincut");
 * ```
 */
export async function verifyResults(dir: string, options: VerifyWitnessOptions = {}): Promise<VerifyResult> {
  const manifest = readManifest(dir);
  const bundle = await readJson<Bundle>(dir, "witness/bundle.json");
  const chains = Object.keys(bundle.chains).length;
  const fail = (message: string): VerifyResult => ({ ok: false, chains, lines: 0, message });

  const root = await bundleRoot(bundle);
  if (root !== bundle.root) {
    return fail(`witness/bundle.json: root hash ${bundle.root} does not match its content (${root})`);
  }
  if (bundle.format !== BUNDLE_FORMAT) {
    return fail(`witness/bundle.json is format ${bundle.format}; this attnbench verifies ${BUNDLE_FORMAT}`);
  }
  const record = await manifestRecordSha256(manifest);
  if (record !== bundle.manifest_sha256) {
    return fail(
      `manifest.json: its spec, environment and case records hash to ${record}, but witness/bundle.json binds ${bundle.manifest_sha256} (manifest.json was changed after the run)`,
    );
  }
  if (bundle.spec_sha256 !== manifest.spec.sha256) {
    return fail(
      `witness/bundle.json binds spec ${bundle.spec_sha256}, but manifest.json describes spec ${manifest.spec.sha256}`,
    );
  }
  const { trust, maxCases, force } = options;
  const plan = await planFromManifest(manifest, { trust, maxCases, force });
  const byHash = new Map(plan.cases.map((c) => [c.config_hash, c]));
  const samples = plan.loaded.spec.inputs.samples;
  const covered = Array.isArray(bundle.cases) ? bundle.cases : [];
  const work = covered.reduce((sum, hash) => {
    const c = byHash.get(hash);
    return sum + (c ? replayCost(c, samples) : 0);
  }, 0);
  const threads = replayThreads(options.threads, chains, work);
  // Started before the chains are read, so that their start-up overlaps the reading.
  const pool = threads > 1
    ? startReplayThreads(threads, { manifest, options: { trust, maxCases, force } })
    : undefined;
  try {
    const scan = await scanChains(dir, bundle, new Set(byHash.keys()));
    const recordedOn = manifest.environment.runtime;
    const samples = new SampleInputs();
    const lanes: ReplayLane[] = pool?.lanes ??
      [{
        alive: true,
        replay: (c) => replayCase(plan, byHash.get(c.config_hash)!, c.lines, recordedOn, samples),
      }];
    options.onStart?.(chains, scan.lines, lanes.length);
    const cost = (c: CaseLines) => replayCost(byHash.get(c.config_hash)!, c.lines.length);
    const failure = await runReplays(
      replayOrder(scan.cases, cost, lanes.length),
      lanes,
      progress(scan, chains, options),
    );
    if (failure) return fail(failure.message);
    if (scan.stop && "error" in scan.stop) throw scan.stop.error;
    if (scan.stop) return fail(scan.stop.message);
    return {
      ok: true,
      chains,
      lines: scan.lines,
      message: `verified ${scan.lines} lines in ${chains} chains: links, bundle root ${
        bundle.root.slice(0, 12)
      }… and a re-run of every sample match`,
    };
  } finally {
    await pool?.close();
  }
}

/**
 * What to call as each case matches: `onChain` for every chain whose cases have all matched
 * (a chain without lines at once).
 */
function progress(scan: ChainScan, total: number, options: VerifyWitnessOptions): (c: CaseLines) => void {
  const onChain = options.onChain;
  if (!onChain) return () => {};
  let finished = 0;
  const left = new Map(scan.chains.map((chain) => [chain, new Set(chain.cases)]));
  const report = () => {
    for (const [chain, cases] of left) {
      if (cases.size > 0) continue;
      left.delete(chain);
      onChain(chain.name, ++finished, total, chain.lines);
    }
  };
  report();
  return (c) => {
    for (const cases of left.values()) cases.delete(c.config_hash);
    report();
  };
}

async function readJson<T>(dir: string, relative: string): Promise<T> {
  const text = await readText(dir, relative);
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new SpecError(
      "VERIFY_INPUT",
      `${path.join(dir, relative)} is not valid JSON: ${describe(cause)}`,
      undefined,
      { cause },
    );
  }
}
