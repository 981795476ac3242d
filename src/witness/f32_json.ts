/**
 * Floats as the original's serde_json (1.0.149, zmij) writes an f32 field (reference ruvector.md
 * §0.2 A): shortest round-trip digits of the f32 value, positional for decimal exponents −6…12
 * with `.0` on integral values, otherwise `d.ddde-7` / `de+13`; NaN and infinities are `null`.
 *
 * @example
 * ```ts
 * import { formatF32Json } from "./f32_json.ts";
 * formatF32Json(0.1); // "0.1"
 * formatF32Json(2); // "2.0"
 * formatF32Json(1e-7); // "1e-7"
 * ```
 * @module
 */

/**
 * JSON text of `value` stored as an f32.
 *
 * @example
 * ```ts
 * formatF32Json(123456789); // "123456790.0"
 * formatF32Json(-0); // "-0.0"
 * ```
 */
export function formatF32Json(value: number): string {
  const x = Math.fround(value);
  if (!Number.isFinite(x)) return "null";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const magnitude = Math.abs(x);
  let text = magnitude.toExponential(8);
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = magnitude.toExponential(precision - 1);
    if (Math.fround(Number.parseFloat(candidate)) === magnitude) {
      text = candidate;
      break;
    }
  }
  const [mantissa, exponentText] = text.split("e");
  const digits = mantissa.replace(".", "").replace(/0+$/, "") || "0";
  const exponent = Number(exponentText);
  if (exponent >= -6 && exponent <= 12) {
    if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
    const whole = digits.padEnd(exponent + 1, "0").slice(0, exponent + 1);
    const fraction = digits.slice(exponent + 1);
    return `${sign}${whole}.${fraction || "0"}`;
  }
  const lead = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${lead}e${exponent < 0 ? "-" : "+"}${Math.abs(exponent)}`;
}
