/**
 * Temporary folders and spec files for tests.
 *
 * @example
 * ```ts
 * import { tempDir, writeSpec } from "./temp.ts";
 * const dir = tempDir();
 * const file = writeSpec(dir, "version: 1\n...");
 * ```
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** Repository root. */
export const ROOT: string = path.resolve(
  import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname),
  "..",
  "..",
);

/**
 * A fresh empty folder under the OS temp dir.
 *
 * @example
 * ```ts
 * const dir = tempDir();
 * ```
 */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "attnbench-test-"));
}

/**
 * Writes `text` to `<dir>/<name>` and returns the path.
 *
 * @example
 * ```ts
 * writeSpec(dir, "version: 1", "a.yaml");
 * ```
 */
export function writeSpec(dir: string, text: string, name = "spec.yaml"): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** A minimal valid spec with a tiny budget; `extra` lines are appended. */
export function smallSpec(extra = "", params = "params:\n  seq_len: [4, 8]\n  d: 4\n"): string {
  return `version: 1
name: small
kernel: softmax
${params}bench:
  min_samples: 3
  max_samples: 20
  min_time_ms: 1
  max_time_ms: 200
  warmup: 1
${extra}`;
}
