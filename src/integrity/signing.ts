/**
 * Ed25519 keys for signing results, through WebCrypto (in Deno, Bun and Node 20). Keys are PEM
 * files in the standard encodings, so `openssl pkey` reads them too: the private key as PKCS #8
 * (`-----BEGIN PRIVATE KEY-----`, written with mode 0600), the public key as SubjectPublicKeyInfo
 * (`-----BEGIN PUBLIC KEY-----`). A key is named by its id: the first 16 hex digits of the
 * SHA-256 of its public key.
 *
 * @example
 * ```ts
 * import { generateKeyPair, loadSigningKey, signText, verifyText, loadPublicKey } from "./signing.ts";
 * const pair = await generateKeyPair();
 * const key = await loadSigningKey(pair.privatePem, "inline");
 * const signature = await signText(key, "attnbench-seal/1:3f2a…");
 * await verifyText((await loadPublicKey(pair.publicPem, "inline")), "attnbench-seal/1:3f2a…", signature.value); // true
 * ```
 * @module
 */
import { Buffer } from "node:buffer";
import { AttnbenchError, describe } from "../errors.ts";
import { sha256Hex } from "../hash.ts";

const ALGORITHM = "Ed25519";

/** A private key ready to sign, with its public half. */
export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: PublicKey;
}

/** A public key ready to verify. */
export interface PublicKey {
  key: CryptoKey;
  /** SubjectPublicKeyInfo bytes, base64. */
  spki: string;
  /** First 16 hex digits of SHA-256 over the SPKI bytes. */
  id: string;
}

/** A detached signature as stored in seal.json. */
export interface Signature {
  algorithm: "Ed25519";
  key_id: string;
  /** The signer's public key (SPKI, base64), so a reader can say which key signed. */
  public_key: string;
  /** The signature, base64. */
  value: string;
}

/**
 * A fresh key pair as PEM texts.
 *
 * @example
 * ```ts
 * const { privatePem, publicPem, id } = await generateKeyPair();
 * ```
 */
export async function generateKeyPair(): Promise<{ privatePem: string; publicPem: string; id: string }> {
  const pair = await crypto.subtle.generateKey({ name: ALGORITHM }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  return {
    privatePem: toPem("PRIVATE KEY", pkcs8),
    publicPem: toPem("PUBLIC KEY", spki),
    id: await keyId(spki),
  };
}

/**
 * The signing key in a PEM text (`origin` names where it came from, for messages).
 *
 * @example
 * ```ts
 * const key = await loadSigningKey(await Deno.readTextFile("attnbench-signing.key"), "attnbench-signing.key");
 * ```
 */
export async function loadSigningKey(pem: string, origin: string): Promise<SigningKey> {
  const der = fromPem(pem, "PRIVATE KEY", origin);
  try {
    const privateKey = await crypto.subtle.importKey("pkcs8", der, { name: ALGORITHM }, true, ["sign"]);
    // The public half, from the private key's JWK (which carries x).
    const { x } = await crypto.subtle.exportKey("jwk", privateKey);
    const pub = await crypto.subtle.importKey(
      "jwk",
      { kty: "OKP", crv: ALGORITHM, x },
      { name: ALGORITHM },
      true,
      [
        "verify",
      ],
    );
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pub));
    return {
      privateKey,
      publicKey: { key: pub, spki: Buffer.from(spki).toString("base64"), id: await keyId(spki) },
    };
  } catch (cause) {
    throw keyError(origin, `is not an Ed25519 private key (${describe(cause)})`, cause);
  }
}

/**
 * The public key in a PEM text.
 *
 * @example
 * ```ts
 * const pub = await loadPublicKey(await Deno.readTextFile("attnbench-signing.pub"), "attnbench-signing.pub");
 * ```
 */
export async function loadPublicKey(pem: string, origin: string): Promise<PublicKey> {
  const der = fromPem(pem, "PUBLIC KEY", origin);
  try {
    const key = await crypto.subtle.importKey("spki", der, { name: ALGORITHM }, true, ["verify"]);
    return { key, spki: Buffer.from(der).toString("base64"), id: await keyId(der) };
  } catch (cause) {
    throw keyError(origin, `is not an Ed25519 public key (${describe(cause)})`, cause);
  }
}

/**
 * Signs the UTF-8 bytes of `text`.
 *
 * @example
 * ```ts
 * (await signText(key, "x")).algorithm; // "Ed25519"
 * ```
 */
export async function signText(key: SigningKey, text: string): Promise<Signature> {
  const value = await crypto.subtle.sign(ALGORITHM, key.privateKey, new TextEncoder().encode(text));
  return {
    algorithm: ALGORITHM,
    key_id: key.publicKey.id,
    public_key: key.publicKey.spki,
    value: Buffer.from(new Uint8Array(value)).toString("base64"),
  };
}

/**
 * Whether `value` (base64) is a valid signature of `text` by `key`.
 *
 * @example
 * ```ts
 * await verifyText(pub, "x", signature.value); // true or false
 * ```
 */
export async function verifyText(key: PublicKey, text: string, value: string): Promise<boolean> {
  try {
    return await crypto.subtle.verify(
      ALGORITHM,
      key.key,
      Buffer.from(value, "base64"),
      new TextEncoder().encode(text),
    );
  } catch {
    return false;
  }
}

function toPem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString("base64").replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

function fromPem(pem: string, label: string, origin: string): Uint8Array<ArrayBuffer> {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match) {
    const found = /-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1];
    throw keyError(
      origin,
      `holds ${
        found ? `a PEM "${found}"` : "no PEM block"
      }; expected "-----BEGIN ${label}-----" (made by attnbench keygen)`,
    );
  }
  return Uint8Array.from(Buffer.from(match[1].replace(/\s+/g, ""), "base64"));
}

async function keyId(spki: Uint8Array): Promise<string> {
  return (await sha256Hex(spki)).slice(0, 16);
}

function keyError(origin: string, problem: string, cause?: unknown): AttnbenchError {
  return new AttnbenchError("KEY_INVALID", `${origin} ${problem}`, { cause, exitCode: 2 });
}
