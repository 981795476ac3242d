/**
 * Text that is safe to print on a terminal: control characters (C0 except newline and tab, DEL,
 * C1) and the Unicode bidirectional overrides are shown as `\xNN` / `\u{NNNN}` escapes instead of
 * being sent raw, so a parameter, an error message or a plugin's text cannot move the cursor,
 * recolour the screen, set the window title or reorder what the user reads.
 *
 * @example
 * ```ts
 * import { terminalSafe } from "./terminal_text.ts";
 * terminalSafe("ok\x1b[2Jgone"); // "ok\\x1b[2Jgone"
 * ```
 * @module
 */

// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every unsafe character escaped; newlines and tabs are kept.
 *
 * @example
 * ```ts
 * terminalSafe("a\rb\n"); // "a\\x0db\n"
 * ```
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}
