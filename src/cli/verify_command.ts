/**
 * `attnbench verify DIR [--key PUB] [--trust]`: checks a run folder. First seal.json — every file
 * the run wrote, by SHA-256, and the signature (against `--key`) — then, for a study run, the
 * witness chains (links, bundle, and a re-run of every gated sample with built-in kernels).
 * Prints one line per check; returns 0 when all pass, 1 when one fails, and throws (exit 2) when
 * the witness would need kernel code from the folder without `--trust`.
 *
 * @example
 * ```ts
 * import { verifyRun } from "./verify_command.ts";
 * await verifyRun("results/mincut", { trust: false }, io.stdout); // 0
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import { JOURNAL_FILE } from "../output/case_journal.ts";
import { checkSeal } from "../integrity/seal.ts";
import type { PublicKey } from "../integrity/signing.ts";
import type { Manifest } from "../output/manifest.ts";
import { FIGURES_DIR, findRunFolder, readManifest, REPORT_FILE } from "../output/run_folder.ts";
import { runState } from "../output/run_state.ts";
import { Progress, type ProgressSink } from "../progress.ts";
import { verifyResults } from "../witness/verify.ts";

const SIGNATURE_LABEL = { valid: "PASS", invalid: "FAIL", unsigned: "none", "not-checked": "not checked" };

/**
 * Whether the run wrote witness chains (a study run): its report files include the bundle.
 *
 * @example
 * ```ts
 * hasWitness(result.manifest); // true after specs/mincut.yaml
 * ```
 */
export function hasWitness(manifest: Manifest): boolean {
  return manifest.files.includes("witness/bundle.json");
}

/** How to verify. */
export interface VerifyOptions {
  /** The public key the seal must be signed with (`--key`). */
  publicKey?: PublicKey;
  /** Import kernel files or packages the folder names, to re-run the witness (`--trust`). */
  trust: boolean;
  /** Bounds of the re-run (`--max-cases`, `--force`), as for a run. */
  maxCases?: number;
  force?: boolean;
  /** Where progress lines go (nothing when absent). */
  progress?: ProgressSink;
}

/**
 * Verifies the run in `dir` (a run folder, or a spec's results folder for its latest run).
 *
 * @example
 * ```ts
 * const code = await verifyRun("results/mincut", { trust: false }, console.log);
 * ```
 */
export async function verifyRun(
  dir: string,
  options: VerifyOptions,
  print: (line: string) => void,
): Promise<number> {
  const folder = findRunFolder(dir);
  const manifest = readManifest(folder);
  const state = runState(folder, manifest);
  if (fs.existsSync(path.join(folder, JOURNAL_FILE)) && manifest.status !== "running") {
    print(
      `files: FAIL (${JOURNAL_FILE} lies beside a finished run: the run removes it when it ends; it was added later)`,
    );
    return 1;
  }
  if (state.status === "crashed" || state.status === "running") {
    print(`files: FAIL (${folder}: the run is ${state.description}; finish it with --resume)`);
    return 1;
  }
  const progress = new Progress(0, options.progress);
  progress.note(`verify: checking ${folder} against seal.json`);
  const seal = await checkSeal(folder, manifest, options.publicKey);
  print(`files: ${seal.ok ? "PASS" : "FAIL"} (${seal.message})`);
  if (seal.signatureMessage) {
    print(`signature: ${SIGNATURE_LABEL[seal.signature]} (${seal.signatureMessage})`);
  }
  const derived = seal.unsealed.filter((file) => file === REPORT_FILE || file.startsWith(`${FIGURES_DIR}/`));
  const others = seal.unsealed.filter((file) => !derived.includes(file));
  if (derived.length > 0) {
    const figures = derived.length - (derived.includes(REPORT_FILE) ? 1 : 0);
    const what = [
      derived.includes(REPORT_FILE) ? REPORT_FILE : "",
      figures > 0 ? `${FIGURES_DIR}/ (${figures} files)` : "",
    ];
    print(
      `note: ${
        what.filter(Boolean).join(" and ")
      }: made by attnbench report from the sealed files, so not sealed`,
    );
  }
  if (others.length > 0) {
    print(`note: not covered by seal.json (written after the run): ${others.join(", ")}`);
  }
  if (!seal.ok) return 1;
  if (!hasWitness(manifest)) {
    return 0;
  }
  const witness = await verifyResults(folder, {
    ...options,
    onStart: (chains, lines, threads) =>
      progress.note(
        `verify: re-running ${chains} witness chains (${lines} lines) on ${threads} thread${
          threads === 1 ? "" : "s"
        }`,
      ),
    onChain: (name, position, total, lines) =>
      progress.note(
        `verify: witness chain ${position}/${total} matches its re-run (${name}, ${lines} lines)`,
      ),
  });
  print(`witness reproducible: ${witness.ok ? "PASS" : "FAIL"} (${witness.message})`);
  return witness.ok ? 0 : 1;
}
