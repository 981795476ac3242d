/**
 * Checks a results folder's witness chains. First the structure — the bundle's root hash, that it
 * binds this manifest (its spec, environment and case records, unchanged since the run) and this
 * manifest's spec, every line's link to the one before it, every chain's length and head — then
 * the content: each case is re-run from the manifest's resolved spec (same seeds, same sample
 * order, a fresh instance) and every line is rebuilt and compared. The first line that diverges
 * is reported with the field and both values.
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
import fs from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import type { KernelInstance } from "../contracts.ts";
import { AttnbenchError, describe, SpecError } from "../errors.ts";
import { sha256Hex } from "../hash.ts";
import { type Manifest, manifestRecordSha256 } from "../output/manifest.ts";
import { readManifest } from "../output/run_folder.ts";
import { DEFAULT_MAX_CASES } from "../plan_bounds.ts";
import { classifyReference } from "../modules.ts";
import { isBuiltinKernel } from "../resolve.ts";
import { type CasePlan, planRun, type RunPlan } from "../plan.ts";
import { runtimeName } from "../runtime.ts";
import { parseSpec } from "../spec/load.ts";
import { type Bundle, BUNDLE_FORMAT, bundleRoot } from "./chain.ts";
import { chainLine, encodeMask, GENESIS } from "./entry.ts";
import { hashTensor } from "./hash_tensor.ts";

/** The outcome of a verification. */
export interface VerifyResult {
  ok: boolean;
  chains: number;
  lines: number;
  /** One line: what was verified, or where and why it first diverged. */
  message: string;
}

/** What the re-run may do. */
export interface VerifyWitnessOptions {
  /** Import kernel files or packages the manifest names (`--trust`). */
  trust?: boolean;
  /** Most cases the manifest's spec may plan (default: 10 000, or the manifest's own count if more). */
  maxCases?: number;
  /** Re-run cases whose kernel's memory() estimate exceeds this machine's (`--force`). */
  force?: boolean;
  /** Called before each chain is re-run (1-based `position` of `total`), for progress. */
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
  const plan = await planFromManifest(manifest, options);
  const byHash = new Map(plan.cases.map((c) => [c.config_hash, c]));
  const replays = new Map<string, CaseReplay>();
  let total = 0;
  for (const [position, [name, chain]] of Object.entries(bundle.chains).entries()) {
    options.onChain?.(name, position + 1, chains, chain.lines);
    const text = await readText(dir, chain.file);
    if (!text.endsWith("\n") && text !== "") {
      return fail(`${chain.file}: the last line is incomplete (no newline)`);
    }
    const own = text.split("\n").slice(0, -1);
    let prev = GENESIS;
    for (const [i, line] of own.entries()) {
      const at = `${chain.file} line ${i + 1}`;
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(line);
      } catch {
        return fail(`${at}: not JSON`);
      }
      if (json.prev_hash !== prev) {
        return fail(
          `${at}: prev_hash ${String(json.prev_hash).slice(0, 12)}… is not the hash of line ${i} (${
            prev.slice(0, 12)
          }…): a line before it was changed, dropped or moved`,
        );
      }
      const hash = String(json.config_hash);
      const c = byHash.get(hash);
      if (!c) return fail(`${at}: config_hash ${hash} is not a case of the manifest's spec`);
      const replay = replays.get(hash) ?? new CaseReplay(plan, c);
      replays.set(hash, replay);
      const rebuilt = await replay.next(json);
      if (typeof rebuilt === "string" && rebuilt !== line) {
        return fail(`${at}: ${divergence(json, JSON.parse(rebuilt), manifest.environment.runtime)}`);
      }
      if (typeof rebuilt !== "string") return fail(`${at}: ${rebuilt.problem}`);
      prev = await sha256Hex(line);
      total++;
    }
    if (own.length !== chain.lines) {
      return fail(
        `${chain.file}: ${own.length} lines, the bundle records ${chain.lines} (lines were dropped or added at the end)`,
      );
    }
    if (prev !== chain.head) {
      return fail(`${chain.file}: head ${prev} is not the bundle's ${chain.head} for ${name}`);
    }
  }
  return {
    ok: true,
    chains,
    lines: total,
    message: `verified ${total} lines in ${chains} chains: links, bundle root ${
      bundle.root.slice(0, 12)
    }… and a re-run of every sample match`,
  };
}

/** Re-runs one case's samples in order on a fresh instance, as the runner did. */
class CaseReplay {
  readonly #plan: RunPlan;
  readonly #case: CasePlan;
  #instance: KernelInstance | undefined;
  #index = 0;

  constructor(plan: RunPlan, c: CasePlan) {
    this.#plan = plan;
    this.#case = c;
  }

  /** The line the next sample should have produced, given the recorded line's timestamp and link. */
  async next(recorded: Record<string, unknown>): Promise<string | { problem: string }> {
    const i = this.#index++;
    if (recorded.sample_id !== i) {
      return {
        problem: `sample_id ${recorded.sample_id}, expected ${i} for case ${
          this.#case.config_hash.slice(0, 12)
        }… (lines out of order)`,
      };
    }
    const { generator, generatorOptions, loaded } = this.#plan;
    const c = this.#case;
    const seed = loaded.spec.seed + i;
    const inputs = generator.generate(c.shape, seed, generatorOptions);
    if (!this.#instance || !this.#instance.load) {
      this.#instance = c.kernel.definition.prepare(c.params, inputs);
    } else this.#instance.load(inputs);
    const instance = this.#instance;
    instance.run();
    const stats = instance.stats?.() ?? {};
    const mask = (instance as KernelInstance & { keepMask?: Uint8Array }).keepMask ?? new Uint8Array();
    const encoding = String(recorded.keep_mask).startsWith("b64:") ? "bitset" : "bools";
    return chainLine(
      {
        q_hash: await hashTensor(inputs.q),
        k_hash: await hashTensor(inputs.k),
        keep_mask: { json: encodeMask(mask, encoding) },
        cut_cost: stats.cut_cost ?? 0,
        lambda: Number(c.params.lambda),
        tau: Number(c.params.tau),
        eps: Number(c.params.eps),
        timestamp: Number(recorded.timestamp),
      },
      {
        output_hash: await hashTensor(instance.output),
        config_hash: c.config_hash,
        seed,
        sample_id: i,
        seq_len: c.shape.seq_len,
        prev_hash: String(recorded.prev_hash),
      },
      encoding,
    );
  }
}

function divergence(
  recorded: Record<string, unknown>,
  rebuilt: Record<string, unknown>,
  recordedOn: string,
): string {
  const field =
    Object.keys(rebuilt).find((k) => JSON.stringify(rebuilt[k]) !== JSON.stringify(recorded[k])) ??
      Object.keys(recorded).find((k) => !(k in rebuilt)) ?? "formatting";
  const show = (x: unknown) => {
    const text = JSON.stringify(x) ?? "nothing";
    return text.length > 40 ? `${text.slice(0, 37)}...` : text;
  };
  const note = field === "output_hash" && recordedOn !== runtimeName()
    ? ` (recorded on ${recordedOn}, re-run on ${runtimeName()}: exp() may round differently between engines; verify with ${recordedOn})`
    : "";
  return `${field} differs from a re-run: recorded ${show(recorded[field])}, re-run gives ${
    show(rebuilt[field])
  }${note}`;
}

/**
 * The run's plan, rebuilt from the manifest's resolved spec without its plugins (the chains need
 * none, and the case hashes do not depend on them) and, unless trusted, with built-in kernels only.
 */
async function planFromManifest(manifest: Manifest, options: VerifyWitnessOptions): Promise<RunPlan> {
  const file = path.join(manifest.spec.dir, path.basename(manifest.spec.file));
  const resolved = manifest.spec.resolved;
  const refs = [...[resolved.kernel].flat(), ...(resolved.baseline === undefined ? [] : [resolved.baseline])];
  const foreign = refs.filter((ref) => !isBuiltinKernel(ref));
  if (foreign.length > 0 && !options.trust) {
    const named = foreign.map((ref) =>
      classifyReference(ref) === "path"
        ? `${ref} (${path.resolve(manifest.spec.dir, ref)})`
        : `package ${ref}`
    );
    throw new AttnbenchError(
      "VERIFY_UNTRUSTED",
      `re-checking the witness would import and run kernel code that the results folder names: ${
        named.join(", ")
      }; verify runs only built-in kernels unless you pass --trust (do so only for a folder whose origin you trust)`,
      { exitCode: 2 },
    );
  }
  try {
    // A results folder may come from anyone: its spec is held to the same bounds as one's own.
    return await planRun(parseSpec(file, stringify({ ...resolved, plugins: [] })), {
      maxCases: options.maxCases ?? Math.max(DEFAULT_MAX_CASES, manifest.cases.length),
      force: options.force,
    });
  } catch (cause) {
    // Over a bound (--max-cases, memory) is a refusal, like the same spec given to `run`.
    const refused = cause instanceof SpecError && ["SPEC_TOO_MANY_CASES", "SPEC_MEMORY"].includes(cause.code);
    throw new AttnbenchError("VERIFY_SPEC", `cannot rebuild the run from manifest.json: ${describe(cause)}`, {
      cause,
      exitCode: refused ? 2 : 1,
    });
  }
}

async function readText(dir: string, relative: string): Promise<string> {
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
