/**
 * The body of a witness re-run thread (started by replay_threads.ts through `witness_worker.ts`,
 * which registers the built-ins first). It rebuilds the run's plan from the manifest it is given
 * as soon as it starts — importing a kernel named by path or package itself, with the trust the
 * caller gave — then answers each case it is sent (its lines, in order) with the case's first
 * failure, or none.
 *
 * @example
 * ```ts
 * import { Worker } from "node:worker_threads";
 * const worker = new Worker(new URL("../../witness_worker.ts", import.meta.url), { workerData: { manifest, options } });
 * worker.postMessage({ config_hash, lines }); // answered with { failure }
 * ```
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { describe } from "../errors.ts";
import type { Manifest } from "../output/manifest.ts";
import { replayCase, type ReplayFailure, SampleInputs } from "./case_replay.ts";
import type { CaseLines } from "./chain_scan.ts";
import { type ManifestPlanOptions, planFromManifest } from "./plan_from_manifest.ts";

/** What a re-run thread is started with: plain data. */
export interface ReplayThreadData {
  /** The run's manifest, as verified (the plan is rebuilt from its resolved spec). */
  manifest: Manifest;
  options: ManifestPlanOptions;
}

/** A re-run thread's answer to one case. */
export interface ReplayAnswer {
  failure?: ReplayFailure;
}

const { manifest, options } = workerData as ReplayThreadData;
const planned = planFromManifest(manifest, options).then((plan) => ({
  plan,
  byHash: new Map(plan.cases.map((c) => [c.config_hash, c])),
}));
planned.catch(() => {}); // reported with the first case this thread is sent

/** The inputs this thread generated last, for the next cases that share them. */
const samples = new SampleInputs();

parentPort!.on("message", async ({ config_hash, lines }: CaseLines) => {
  parentPort!.postMessage({ failure: await replay(config_hash, lines) } satisfies ReplayAnswer);
});

async function replay(hash: string, lines: CaseLines["lines"]): Promise<ReplayFailure | undefined> {
  const { ordinal, at } = lines[0];
  try {
    const { plan, byHash } = await planned;
    const c = byHash.get(hash);
    if (!c) return { ordinal, message: `${at}: config_hash ${hash} is not a case of the manifest's spec` };
    return await replayCase(plan, c, lines, manifest.environment.runtime, samples);
  } catch (error) {
    return { ordinal, message: `${at}: the witness re-run thread could not re-run it: ${describe(error)}` };
  }
}
