/**
 * Identity of what was measured: SHA-256 (WebCrypto) over RFC 8785 canonical JSON. The same value
 * on Deno, Bun and Node, on any machine.
 *
 * @example
 * ```ts
 * import { configHash } from "./hash.ts";
 * await configHash({ b: 1, a: "x" }); // sha256('{"a":"x","b":1}') as 64 hex characters
 * ```
 * @module
 */
import canonicalize from "canonicalize";

/**
 * Lowercase hex SHA-256 of raw bytes.
 *
 * @example
 * ```ts
 * await sha256Hex(new Uint8Array()); // "e3b0c442...b855"
 * ```
 */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}

/**
 * RFC 8785 (JCS) canonical JSON text of a JSON value.
 *
 * @example
 * ```ts
 * canonicalJson({ b: [1, 2.5], a: null }); // '{"a":null,"b":[1,2.5]}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError("value has no JSON representation");
  return text;
}

/**
 * SHA-256 of the canonical JSON of `value`: the `config_hash` of a case.
 *
 * @example
 * ```ts
 * (await configHash({ kernel: "softmax" })).length; // 64
 * ```
 */
export function configHash(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}

/**
 * Lowercase hex of bytes.
 *
 * @example
 * ```ts
 * toHex(new Uint8Array([0, 255])); // "00ff"
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
