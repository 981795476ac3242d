/**
 * Small pieces of WGSL the attention shaders share: an exact f32 constant, and the storage
 * bindings of Q, K, V and what a shader writes.
 *
 * @example
 * ```ts
 * import { f32Constant, storageBindings } from "./wgsl.ts";
 * f32Constant(0.5); // "0x1.000000p-1f"
 * storageBindings(["q", "k", "v"], ["out"]); // four @group(0) declarations
 * ```
 * @module
 */

const bits = new DataView(new ArrayBuffer(4));

/**
 * A WGSL literal for `value` rounded to f32, written as a hexadecimal float so the shader gets
 * exactly the f32 the JS kernels use (no decimal round trip). Normal numbers and zero only.
 *
 * @example
 * ```ts
 * f32Constant(Math.fround(1 / Math.sqrt(2))); // "0x1.6a09e6p-1f"
 * ```
 */
export function f32Constant(value: number): string {
  bits.setFloat32(0, value);
  const word = bits.getUint32(0), exponent = (word >>> 23) & 0xff, fraction = word & 0x7fffff;
  if (exponent === 0 && fraction === 0) return "0.0f";
  if (exponent === 0 || exponent === 0xff) throw new RangeError(`f32Constant: ${value} is not a normal f32`);
  const sign = word >>> 31 ? "-" : "";
  return `${sign}0x1.${(fraction << 1).toString(16).padStart(6, "0")}p${exponent - 127}f`;
}

/**
 * `@group(0)` storage declarations: the `read` arrays first, then the `read_write` ones, bound
 * 0, 1, 2, ... in that order (the order the instance creates its buffers in).
 *
 * @example
 * ```ts
 * storageBindings(["q"], ["out"]);
 * // "@group(0) @binding(0) var<storage, read> q: array<f32>;\n@group(0) @binding(1) var<storage, read_write> out: array<f32>;"
 * ```
 */
export function storageBindings(read: readonly string[], written: readonly string[]): string {
  const declare = (name: string, at: number, access: string) =>
    `@group(0) @binding(${at}) var<storage, ${access}> ${name}: array<f32>;`;
  return [
    ...read.map((name, at) => declare(name, at, "read")),
    ...written.map((name, at) => declare(name, read.length + at, "read_write")),
  ].join("\n");
}
