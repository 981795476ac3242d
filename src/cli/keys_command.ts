/**
 * Keys on the command line: `attnbench keygen [PREFIX]` writes an Ed25519 key pair
 * (`PREFIX.key`, mode 0600, and `PREFIX.pub`; PREFIX defaults to `attnbench-signing`); `--sign
 * KEY` (or `ATTNBENCH_SIGNING_KEY`, a key file's path or its PEM text) gives a run its signing
 * key; `verify --key PUB` the public key to check against.
 *
 * @example
 * ```ts
 * import { keygen, readSigningKey } from "./keys_command.ts";
 * await keygen(["lab"], io); // writes lab.key and lab.pub
 * const key = await readSigningKey("lab.key");
 * ```
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { AttnbenchError, SpecError } from "../errors.ts";
import {
  generateKeyPair,
  loadPublicKey,
  loadSigningKey,
  type PublicKey,
  type SigningKey,
} from "../integrity/signing.ts";

/**
 * Environment variable that may hold the signing key (a path, or the PEM text itself).
 *
 * @example
 * ```sh
 * ATTNBENCH_SIGNING_KEY=lab.key deno run -A cli.ts specs/mincut.yaml
 * ```
 */
export const SIGNING_KEY_ENV = "ATTNBENCH_SIGNING_KEY";

/**
 * Writes a new key pair; refuses to overwrite an existing key. Returns the exit code.
 *
 * @example
 * ```ts
 * await keygen([], io); // attnbench-signing.key, attnbench-signing.pub
 * ```
 */
export async function keygen(args: string[], io: { stdout: (text: string) => void }): Promise<number> {
  if (args.length > 1) {
    throw new SpecError(
      "CLI_USAGE",
      `keygen takes at most one file prefix, got ${args.join(" ")}; see --help`,
    );
  }
  const prefix = args[0] ?? "attnbench-signing";
  const pair = await generateKeyPair();
  const privateFile = `${prefix}.key`;
  const publicFile = `${prefix}.pub`;
  await writeNew(privateFile, pair.privatePem, 0o600);
  try {
    await writeNew(publicFile, pair.publicPem, 0o644);
  } catch (error) {
    await fs.rm(privateFile, { force: true });
    throw error;
  }
  io.stdout(
    [
      `wrote ${path.resolve(privateFile)} (private, mode 0600: keep it secret) and ${
        path.resolve(publicFile)
      } (public)`,
      `key id ${pair.id}`,
      `sign a run:    attnbench <spec.yaml> --sign ${privateFile}   (or ${SIGNING_KEY_ENV}=${privateFile})`,
      `check a run:   attnbench verify <run folder> --key ${publicFile}`,
    ].join("\n"),
  );
  return 0;
}

/**
 * The signing key from `--sign FILE`, else from {@link SIGNING_KEY_ENV}; undefined when neither is set.
 *
 * @example
 * ```ts
 * await readSigningKey(undefined); // the environment's key, or undefined
 * ```
 */
export async function readSigningKey(option: string | undefined): Promise<SigningKey | undefined> {
  const value = option ?? process.env[SIGNING_KEY_ENV];
  if (value === undefined || value === "") return undefined;
  if (value.trimStart().startsWith("-----BEGIN")) return await loadSigningKey(value, SIGNING_KEY_ENV);
  const origin = option === undefined ? `${SIGNING_KEY_ENV} (${value})` : `--sign ${value}`;
  return await loadSigningKey(await readKeyFile(value, origin, "a private key"), origin);
}

/**
 * The public key in `file` (`verify --key`).
 *
 * @example
 * ```ts
 * (await readPublicKey("lab.pub")).id; // "1a2b3c4d5e6f7a8b"
 * ```
 */
export async function readPublicKey(file: string): Promise<PublicKey> {
  const origin = `--key ${file}`;
  return await loadPublicKey(await readKeyFile(file, origin, "a public key"), origin);
}

async function readKeyFile(file: string, origin: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new AttnbenchError(
      "KEY_READ",
      `${origin}: cannot read ${file} (${
        code === "ENOENT" ? "no such file" : code ?? String(error)
      }); expected ${what} written by attnbench keygen`,
      { exitCode: 2 },
    );
  }
}

async function writeNew(file: string, text: string, mode: number): Promise<void> {
  try {
    await fs.writeFile(file, text, { flag: "wx", mode });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new AttnbenchError(
      "KEY_WRITE",
      code === "EEXIST"
        ? `${file} already exists; keygen never overwrites a key: choose another prefix (attnbench keygen PREFIX) or move it`
        : `cannot write ${file} (${
          code === "ENOENT"
            ? "its folder does not exist"
            : code === "EACCES"
            ? "permission denied"
            : code ?? String(error)
        }); expected a prefix in an existing, writable folder`,
      { exitCode: 2 },
    );
  }
}
