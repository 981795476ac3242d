/**
 * What every bench script does with its command line and its end: positional integers checked
 * with a one-line message, and a mistake or failure printed as one line (`bench/x.ts: …`, exit 2)
 * instead of a stack trace.
 *
 * @example
 * ```ts
 * import { positiveIntegers, runBench } from "./bench_main.ts";
 * const [n, d] = positiveIntegers("bench/x.ts", ["n", "d"], [512, 64]);
 * await runBench("bench/x.ts", async () => { ... });
 * ```
 * @module
 */
import process from "node:process";
import { firstLine } from "./peers/implementation.ts";

/**
 * The positional arguments named `names`, each a positive integer, or its fallback when absent;
 * a bad one prints `<script>: <name> takes a positive integer, received <text>` and exits 2.
 *
 * @example
 * ```ts
 * positiveIntegers("bench/mincut_stages.ts", ["n", "d", "rounds"], [512, 64, 40]); // [512, 64, 40] with no arguments
 * ```
 */
export function positiveIntegers(script: string, names: string[], fallbacks: number[]): number[] {
  return names.map((name, i) => {
    const text = process.argv[2 + i];
    const value = text === undefined ? fallbacks[i] : Number(text);
    if (Number.isInteger(value) && value > 0) return value;
    console.error(`${script}: ${name} takes a positive integer, received ${text}`);
    process.exit(2);
  });
}

/**
 * Runs a bench's `main`; what it throws is printed as one line and the exit code is 2.
 *
 * @example
 * ```ts
 * await runBench("bench/kernels.ts", main);
 * ```
 */
export async function runBench(script: string, main: () => Promise<void> | void): Promise<void> {
  try {
    await main();
  } catch (error) {
    console.error(`${script}: ${firstLine(error)}`);
    process.exitCode = 2;
  }
}
