/**
 * Why a module a spec names could not be loaded, in one line that says where: each runtime reports
 * a syntax error its own way (Deno in a multi-line message ending `at file:///…:4:37`, Bun as an
 * AggregateError whose errors carry a `position`, Node in the stack's first line), and Node cannot
 * import TypeScript at all.
 *
 * @example
 * ```ts
 * import { loadFailure } from "./load_error.ts";
 * loadFailure(error); // "/work/plugins/broken.ts:4:37: Expected ',', got ')'"
 * ```
 * @module
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** Where a parse error was, as file:line:column. */
const LOCATION = /(?:^|[\s(])((?:file:\/\/)?\/[^\s:()]+):(\d+)(?::(\d+))?/m;

/**
 * One line: the location of the first problem (when the runtime gave one) and its message.
 *
 * @example
 * ```ts
 * loadFailure(new Error("boom")); // "boom"
 * ```
 *
 * `file` is the module's path: where the runtime gave no location (Node's ES module loader), the
 * file is parsed again with `node --check` to find it.
 */
export function loadFailure(cause: unknown, file?: string): string {
  const error = cause as {
    message?: string;
    stack?: string;
    code?: string;
    errors?: { message?: string; position?: { file?: string; line?: number; column?: number } }[];
  };
  if (error?.code === "ERR_UNKNOWN_FILE_EXTENSION" && /\.(ts|mts|cts|tsx)\b/.test(error.message ?? "")) {
    return `${error.message}; Node cannot import TypeScript: compile the module to JavaScript, or run attnbench with Deno or Bun`;
  }
  const first = error?.errors?.find((e) => e.position?.file);
  if (first?.position) {
    const more = (error.errors?.length ?? 1) - 1;
    const { line, column } = first.position;
    return `${first.position.file}:${line}:${column}: ${first.message}${
      more > 0 ? ` (and ${more} more)` : ""
    }`;
  }
  const message = (error?.message ?? String(cause)).trim();
  const headline = message.split("\n")[0].replace(/^(TypeError|SyntaxError): (?=SyntaxError)/, "");
  const located = LOCATION.exec(message) ??
    (error instanceof SyntaxError ? LOCATION.exec(error.stack ?? "") : null);
  if (!located) return error instanceof SyntaxError && file ? (nodeCheck(file) ?? headline) : headline;
  const at = located[1].startsWith("file://") ? fileURLToPath(located[1]) : located[1];
  return `${at}:${located[2]}${located[3] ? `:${located[3]}` : ""}: ${headline}`;
}

/**
 * Node's own parse of `file` as an ES module (`node --input-type=module --check`, the source on
 * stdin): it prints the line and a caret under the column. On Node only.
 */
function nodeCheck(file: string): string | undefined {
  if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" || process.versions.bun) {
    return undefined;
  }
  try {
    execFileSync(process.execPath, ["--input-type=module", "--check"], {
      input: fs.readFileSync(file),
      stdio: ["pipe", "ignore", "pipe"],
      timeout: 10_000,
    });
    return undefined;
  } catch (error) {
    const lines = String((error as { stderr?: unknown }).stderr ?? "").split("\n");
    const line = /^\[stdin\]:(\d+)$/.exec(lines[0] ?? "")?.[1];
    const caret = lines.findIndex((l) => /^\s*\^+\s*$/.test(l));
    const what = lines.find((l) => l.startsWith("SyntaxError: "));
    if (!line || !what) return undefined;
    return `${file}:${line}${caret > 0 ? `:${lines[caret].indexOf("^") + 1}` : ""}: ${what}`;
  }
}
