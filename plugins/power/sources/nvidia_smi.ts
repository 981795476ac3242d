/**
 * GPU power from the `nvidia-smi` command line, the NVML source's fallback where FFI is missing
 * or the library cannot be loaded. One process per reading (a fork and an NVML init each time,
 * tens of milliseconds), and `power.draw` is a 1-second average on Ampere and newer: fine for
 * long windows, coarse for short ones.
 *
 * @example
 * ```ts
 * import { nvidiaSmiWatts } from "./nvidia_smi.ts";
 * console.log(await nvidiaSmiWatts("nvidia-smi", 0), "W");
 * ```
 * @module
 */
import { execFile } from "node:child_process";

/** Longest a single `nvidia-smi` call may take. */
const TIMEOUT_MS = 10_000;

/**
 * Watts drawn by GPU `index`, from
 * `nvidia-smi --query-gpu=power.draw --format=csv,noheader,nounits -i <index>`. Throws an `Error`
 * saying what the tool printed when it fails or prints something other than a number
 * (`[N/A]` on GPUs without a power sensor).
 *
 * @example
 * ```ts
 * await nvidiaSmiWatts("/usr/bin/nvidia-smi", 1); // e.g. 71.23
 * ```
 */
export async function nvidiaSmiWatts(binary: string, index: number): Promise<number> {
  const args = ["--query-gpu=power.draw", "--format=csv,noheader,nounits", "-i", String(index)];
  const output = (await run(binary, args)).trim();
  if (!/^\d+(\.\d+)?$/.test(output)) {
    throw new Error(
      `${binary} printed ${JSON.stringify(output)} for power.draw of GPU ${index}; expected watts`,
    );
  }
  return Number(output);
}

function run(binary: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: TIMEOUT_MS, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(describeRunError(binary, err, `${stdout}${stderr}`.trim())));
      else resolve(stdout);
    });
  });
}

function describeRunError(
  binary: string,
  err: Error & { code?: unknown; killed?: boolean },
  output: string,
): string {
  if (err.code === "ENOENT") {
    return `${binary} not found; expected the NVIDIA driver's nvidia-smi (install the driver or pass its path)`;
  }
  if (err.killed) return `${binary} did not answer within ${TIMEOUT_MS / 1000} s`;
  const status = typeof err.code === "number" ? `exited with code ${err.code}` : `failed (${err.message})`;
  return `${binary} ${status}${output ? `: ${output}` : ""}`;
}
