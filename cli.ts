#!/usr/bin/env -S deno run -A
/**
 * attnbench command line: `deno run -A cli.ts <spec.yaml>` or `bun cli.ts <spec.yaml>`.
 * A thin shell around {@link main}; the only place that exits the process.
 *
 * Signals: the first Ctrl-C (SIGINT) or SIGTERM stops a run after its current case (exit 130 or
 * 143); the second kills the running case and stops at once, still writing the manifest; a third
 * exits without waiting.
 *
 * @example
 * ```sh
 * deno run -A cli.ts specs/mincut.yaml
 * bun cli.ts specs/softmax-sweep.yaml --dry-run
 * ```
 * @module
 */
import process from "node:process";
import "./builtins.ts";
import { main } from "./src/cli/main.ts";

/** How long the second signal waits for the manifest to be written before exiting anyway. */
const STOP_NOW_GRACE_MS = 3000;

const afterCase = new AbortController();
const atOnce = new AbortController();
let signals = 0;

function onSignal(name: "SIGINT" | "SIGTERM"): void {
  const code = name === "SIGTERM" ? 143 : 130;
  signals++;
  if (signals === 1) {
    process.stderr.write(
      `\ninterrupt (${name}): stopping after the current case (Ctrl-C again to stop at once)\n`,
    );
    afterCase.abort(name);
  } else if (signals === 2) {
    process.stderr.write(`\ninterrupt (${name}): stopping at once\n`);
    atOnce.abort(name);
    setTimeout(() => process.exit(code), STOP_NOW_GRACE_MS).unref();
  } else {
    process.exit(code);
  }
}

process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));

const code = await main(process.argv.slice(2), {
  stdout: (text) => console.log(text),
  stderr: process.stderr,
  signal: afterCase.signal,
  stopNow: atOnce.signal,
});
process.exit(code);
