/**
 * Maths that gives the same bits on every engine. `Math.log` is not specified to the last bit, and
 * V8 (Deno, Node) and JavaScriptCore (Bun) round differently; inputs generated with it would
 * differ between runtimes. These use only IEEE-754 `+ - * /` and `sqrt`, which are exact-rounded
 * everywhere.
 *
 * @example
 * ```ts
 * import { exactLn } from "./exact_math.ts";
 * exactLn(Math.E); // 1 (within 1 ulp)
 * ```
 * @module
 */

const view = new DataView(new ArrayBuffer(8));

/**
 * Natural logarithm of a positive, finite, normal number, engine-independent.
 * Splits x = m · 2^e with m in [√½, √2), then ln m = 2·atanh((m−1)/(m+1)) by a fixed series.
 *
 * @example
 * ```ts
 * exactLn(1); // 0
 * exactLn(0.5); // -0.6931471805599453
 * ```
 */
export function exactLn(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) {
    throw new RangeError(`exactLn needs a positive finite number, got ${x}`);
  }
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  let exponent = ((hi >>> 20) & 0x7ff) - 1023;
  if (exponent === -1023) throw new RangeError(`exactLn does not take subnormal numbers, got ${x}`);
  view.setUint32(0, (hi & 0x800fffff) | (1023 << 20));
  let m = view.getFloat64(0);
  if (m > Math.SQRT2) {
    m /= 2;
    exponent += 1;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  let series = 0;
  for (let k = 13; k >= 0; k--) series = 1 / (2 * k + 1) + z2 * series;
  return exponent * Math.LN2 + 2 * z * series;
}
