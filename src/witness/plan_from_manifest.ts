/**
 * A run's plan rebuilt from its manifest's resolved spec, for re-running its witness: without
 * plugins (the chains need none, and the case hashes do not depend on them) and, unless trusted,
 * with built-in kernels only. `verify` builds it once to check the folder, and each of its re-run
 * threads builds it again from the same manifest, so a kernel named by path or package is
 * imported where it runs.
 *
 * @example
 * ```ts
 * import { planFromManifest } from "./plan_from_manifest.ts";
 * const plan = await planFromManifest(readManifest("results/mincut/latest"), { trust: false });
 * plan.cases.length; // 57 for the min-cut study
 * ```
 * @module
 */
import path from "node:path";
import { stringify } from "yaml";
import { AttnbenchError, describe, SpecError } from "../errors.ts";
import type { Manifest } from "../output/manifest.ts";
import { DEFAULT_MAX_CASES } from "../plan_bounds.ts";
import { classifyReference } from "../modules.ts";
import { isBuiltinKernel } from "../resolve.ts";
import { planRun, type RunPlan } from "../plan.ts";
import { parseSpec } from "../spec/load.ts";

/** What the rebuilt plan may import and how far it may grow: plain data, so a thread can be given it. */
export interface ManifestPlanOptions {
  /** Import kernel files or packages the manifest names (`--trust`). */
  trust?: boolean;
  /** Most cases the manifest's spec may plan (default: 10 000, or the manifest's own count if more). */
  maxCases?: number;
  /** Plan cases whose kernel's memory() estimate exceeds this machine's (`--force`). */
  force?: boolean;
}

/**
 * The run's plan, rebuilt from `manifest`. Throws `VERIFY_UNTRUSTED` (exit 2) when it would import
 * kernel code without `trust`, and `VERIFY_SPEC` when the spec no longer plans (exit 2 when it is
 * over a bound: too many cases, too much memory).
 *
 * @example
 * ```ts
 * const plan = await planFromManifest(manifest, { trust: true });
 * ```
 */
export async function planFromManifest(manifest: Manifest, options: ManifestPlanOptions): Promise<RunPlan> {
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
