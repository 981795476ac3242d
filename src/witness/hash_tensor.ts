/**
 * The reference `hash_tensor` (ruvector.md §1.6): SHA-256 over each value's 4 little-endian
 * IEEE-754 f32 bytes, in order, with no length or shape prefix, as 64 lowercase hex characters.
 * So −0 and +0 hash differently and `[]` hashes to SHA-256 of nothing.
 *
 * @example
 * ```ts
 * import { hashTensor } from "./hash_tensor.ts";
 * await hashTensor([1, 2, 3]); // "8e628779e6a74ee0b36991c10158f63cafec7d340ad4e075592502c8708524dd"
 * ```
 * @module
 */
import { sha256Hex } from "../hash.ts";

/**
 * Lowercase hex SHA-256 of the little-endian f32 bytes of `data`. A `Float32Array` is hashed from
 * its stored bits (NaN payloads included); plain numbers are first rounded to f32.
 *
 * @example
 * ```ts
 * await hashTensor(new Float32Array([-0])); // "6d58692645c9d1cfaf13541cbd258f86193ef63c2f1d38f6bbca9617372d7bd6"
 * ```
 */
export function hashTensor(data: Float32Array | readonly number[]): Promise<string> {
  return sha256Hex(littleEndianBytes(data instanceof Float32Array ? data : Float32Array.from(data)));
}

/** The f32 bits of `data` as little-endian bytes, on any host byte order. */
function littleEndianBytes(data: Float32Array): Uint8Array {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new DataView(new ArrayBuffer(data.length * 4));
  for (let i = 0; i < bits.length; i++) out.setUint32(i * 4, bits[i], true);
  return new Uint8Array(out.buffer);
}
