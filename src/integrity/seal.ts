/**
 * `seal.json`: the SHA-256 of every file a run wrote — manifest.json (so every status, warning,
 * error and metric in it), results.csv, every per-case table, every file a report hook wrote
 * (the study's CSVs, witness chains and witness bundle) — under one root hash, optionally signed
 * with an Ed25519 key. Written when a run ends (complete, interrupted or aborted), removed when a
 * run is resumed, and checked by `verify`, which names the first file that differs.
 *
 * What it proves: without a signature, that the folder is as a run left it *or* that whoever
 * changed it also recomputed seal.json (anyone can: the hashes have no key). With a signature
 * checked against a public key you trust, that the holder of the private key sealed exactly
 * these bytes. Neither proves the numbers were measured honestly or on the machine the manifest
 * names: a signer can seal anything.
 *
 * @example
 * ```ts
 * import { checkSeal, writeSeal } from "./seal.ts";
 * await writeSeal(dir, manifest);
 * (await checkSeal(dir, manifest)).ok; // true for an untouched folder
 * ```
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import { configHash, sha256Hex } from "../hash.ts";
import { writeFileAtomic } from "../output/atomic.ts";
import { JOURNAL_FILE } from "../output/case_journal.ts";
import { LOCK_FILE } from "../output/lock.ts";
import { METADATA_FILE } from "../output/csvw.ts";
import type { Manifest } from "../output/manifest.ts";
import { type PublicKey, type Signature, type SigningKey, signText, verifyText } from "./signing.ts";

/**
 * File name of the seal inside a run folder.
 *
 * @example
 * ```ts
 * path.join(runFolder, SEAL_FILE); // ".../seal.json"
 * ```
 */
export const SEAL_FILE = "seal.json";

/**
 * Format name written into every seal.
 *
 * @example
 * ```ts
 * JSON.parse(sealText).format === SEAL_FORMAT; // "attnbench-seal/1"
 * ```
 */
export const SEAL_FORMAT = "attnbench-seal/1";

/** seal.json */
export interface Seal {
  format: string;
  /** SHA-256 of the spec file's text, as the manifest records it. */
  spec_sha256: string;
  /** Relative path (`/` separators) → SHA-256 of the file's bytes, for every file the run wrote. */
  files: Record<string, string>;
  /** SHA-256 of the canonical JSON of format, spec_sha256 and files. */
  root: string;
  /** Ed25519 signature of `attnbench-seal/1:<root>`, when the run was signed. */
  signature?: Signature;
}

/** What {@link checkSeal} found. */
export interface SealCheck {
  ok: boolean;
  /** One line: what matched, or the first thing that did not. */
  message: string;
  /** `unsigned`, `not-checked` (signed, no key given), `valid`, or `invalid`. */
  signature: "unsigned" | "not-checked" | "valid" | "invalid";
  /** A line about the signature. */
  signatureMessage: string;
  /** Files in the folder that the seal does not cover (added later, e.g. a report). */
  unsealed: string[];
}

/**
 * The files a run wrote, by the manifest: manifest.json, results.csv, every case's files and
 * every report file, sorted.
 *
 * @example
 * ```ts
 * sealedFiles(manifest); // ["coherence/3f2a….csv", ..., "manifest.json", "results.csv"]
 * ```
 */
export function sealedFiles(manifest: Manifest): string[] {
  const files = new Set(["manifest.json", "results.csv", ...(manifest.files ?? [])]);
  if (manifest.parameters) files.add(METADATA_FILE);
  for (const record of manifest.cases ?? []) for (const file of record.files ?? []) files.add(file);
  return [...files].sort();
}

/**
 * Hashes every file the run wrote and writes seal.json (signed with `key` when given).
 *
 * @example
 * ```ts
 * const seal = await writeSeal("results/mincut/20261207T001500Z-3f2a1c0d", manifest, key);
 * ```
 */
export async function writeSeal(dir: string, manifest: Manifest, key?: SigningKey): Promise<Seal> {
  const files: Record<string, string> = {};
  for (const file of sealedFiles(manifest)) files[file] = await fileSha256(dir, file);
  const content = { format: SEAL_FORMAT, spec_sha256: manifest.spec.sha256, files };
  const root = await configHash(content);
  const seal: Seal = {
    ...content,
    root,
    ...(key ? { signature: await signText(key, signedText(root)) } : {}),
  };
  await writeFileAtomic(path.join(dir, SEAL_FILE), JSON.stringify(seal, null, 2) + "\n");
  return seal;
}

/**
 * For a finished run whose process died while finishing (after its last manifest write, before
 * its seal): removes the stale case journal and writes the missing seal. Returns whether it
 * sealed; a folder already sealed is left alone.
 *
 * @example
 * ```ts
 * await finishSealing(dir, manifest); // false: already sealed
 * ```
 */
export async function finishSealing(dir: string, manifest: Manifest, key?: SigningKey): Promise<boolean> {
  await fs.rm(path.join(dir, JOURNAL_FILE), { force: true });
  if (await fs.stat(path.join(dir, SEAL_FILE)).then(() => true, () => false)) return false;
  await writeSeal(dir, manifest, key);
  return true;
}

/**
 * Removes seal.json (a resumed run is about to change the folder).
 *
 * @example
 * ```ts
 * await removeSeal(dir);
 * ```
 */
export async function removeSeal(dir: string): Promise<void> {
  await fs.rm(path.join(dir, SEAL_FILE), { force: true });
}

/**
 * Checks seal.json against the folder: its root, that it covers every file the manifest names,
 * every file's hash, and the signature (against `publicKey` when given).
 *
 * @example
 * ```ts
 * const { ok, message } = await checkSeal(dir, manifest, publicKey);
 * ```
 */
export async function checkSeal(dir: string, manifest: Manifest, publicKey?: PublicKey): Promise<SealCheck> {
  const unsealed: string[] = [];
  // Known once the root holds; every result after that carries it.
  let signature: { status: SealCheck["signature"]; message: string } = { status: "unsigned", message: "" };
  const result = (ok: boolean, message: string): SealCheck => ({
    ok,
    message,
    signature: signature.status,
    signatureMessage: signature.message,
    unsealed,
  });
  let seal: Seal;
  try {
    seal = JSON.parse(await fs.readFile(path.join(dir, SEAL_FILE), "utf8"));
  } catch (error) {
    const missing = (error as { code?: string }).code === "ENOENT";
    return result(
      false,
      missing
        ? `${SEAL_FILE} is missing: the run did not end (it is sealed when it ends), or an attnbench before 0.2 wrote it`
        : `${SEAL_FILE} is not valid JSON`,
    );
  }
  const wellFormed = typeof seal === "object" && seal !== null && typeof seal.files === "object" &&
    seal.files !== null && Object.values(seal.files).every((hash) => typeof hash === "string") &&
    typeof seal.root === "string";
  if (!wellFormed) {
    return result(false, `${SEAL_FILE} is malformed: expected { format, spec_sha256, files, root }`);
  }
  if (seal.format !== SEAL_FORMAT) {
    return result(
      false,
      `${SEAL_FILE} is format ${JSON.stringify(seal.format)}; this attnbench checks ${SEAL_FORMAT}`,
    );
  }
  const root = await configHash({ format: seal.format, spec_sha256: seal.spec_sha256, files: seal.files });
  if (root !== seal.root) {
    return result(
      false,
      `${SEAL_FILE}: root ${String(seal.root).slice(0, 12)}… does not match its content (${
        root.slice(0, 12)
      }…)`,
    );
  }
  signature = await checkSignature(seal, publicKey);
  if (signature.status === "invalid") {
    return result(false, `the signature does not hold, so the hashes prove nothing`);
  }
  const sealed = Object.keys(seal.files ?? {}).sort();
  for (const file of sealed) {
    const actual = await fileSha256(dir, file).catch(() => "missing");
    if (actual !== seal.files[file]) {
      return result(
        false,
        actual === "missing"
          ? `${file} is missing, but ${SEAL_FILE} covers it`
          : `${file} differs from what the run wrote (SHA-256 ${actual.slice(0, 12)}…, sealed ${
            seal.files[file].slice(0, 12)
          }…)`,
      );
    }
  }
  const uncovered = sealedFiles(manifest).find((file) => !(file in seal.files));
  if (uncovered) {
    return result(
      false,
      `manifest.json names ${uncovered}, which ${SEAL_FILE} does not cover`,
    );
  }
  if (seal.spec_sha256 !== manifest.spec.sha256) {
    return result(
      false,
      `${SEAL_FILE} seals spec ${seal.spec_sha256}, but manifest.json describes ${manifest.spec.sha256}`,
    );
  }
  const covered = new Set([...sealed, SEAL_FILE, LOCK_FILE]);
  for (const file of await listFiles(dir)) if (!covered.has(file)) unsealed.push(file);
  return result(
    true,
    `${sealed.length} files match ${SEAL_FILE}, root ${seal.root.slice(0, 12)}…`,
  );
}

async function checkSignature(
  seal: Seal,
  publicKey: PublicKey | undefined,
): Promise<{ status: SealCheck["signature"]; message: string }> {
  const signature = seal.signature;
  if (!signature) {
    return publicKey
      ? {
        status: "invalid",
        message: `${SEAL_FILE} is not signed, but --key ${publicKey.id} asks for a signature`,
      }
      : {
        status: "unsigned",
        message:
          "the hashes show the folder is consistent, but anyone who edits it can recompute them; sign runs with --sign KEY and check them with --key PUB",
      };
  }
  if (!publicKey) {
    return {
      status: "not-checked",
      message: `signed by key ${signature.key_id}; pass --key with the public key you trust to check it`,
    };
  }
  if (signature.public_key !== publicKey.spki) {
    return {
      status: "invalid",
      message:
        `${SEAL_FILE} is signed by key ${signature.key_id}, not by the key given with --key (${publicKey.id})`,
    };
  }
  const valid = await verifyText(publicKey, signedText(seal.root), String(signature.value));
  return valid ? { status: "valid", message: `valid Ed25519 signature by key ${publicKey.id}` } : {
    status: "invalid",
    message: `${SEAL_FILE}: the signature does not match its root (the seal was changed after signing)`,
  };
}

function signedText(root: string): string {
  return `${SEAL_FORMAT}:${root}`;
}

async function fileSha256(dir: string, relative: string): Promise<string> {
  const target = path.resolve(dir, relative);
  if (!target.startsWith(path.resolve(dir) + path.sep)) throw new Error(`${relative} is outside the folder`);
  return await sha256Hex(new Uint8Array(await fs.readFile(target)));
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...await listFiles(dir, relative));
    else out.push(relative);
  }
  return out;
}
