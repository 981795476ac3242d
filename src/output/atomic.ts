/**
 * Writes that never leave a half-written file that looks whole: the data goes to a temporary name
 * in the same folder, then is renamed over the target (atomic on POSIX file systems).
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * await writeFileAtomic("results/x/results.csv", "a,b\n1,2\n");
 * ```
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import process from "node:process";

let counter = 0;

/**
 * Atomically replaces `file` with `data`, creating its folder if needed.
 *
 * @example
 * ```ts
 * await writeFileAtomic("out/manifest.json", JSON.stringify(manifest));
 * ```
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}-${counter++}`;
  try {
    await fs.writeFile(temporary, data);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
