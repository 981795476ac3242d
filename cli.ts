#!/usr/bin/env -S deno run -A
/**
 * attnbench command line: `deno run -A cli.ts <spec.yaml>` or `bun cli.ts <spec.yaml>`.
 * A thin shell around {@link main}; the only place that exits the process.
 *
 * @example
 * ```sh
 * deno run -A cli.ts specs/mincut.yaml
 * bun cli.ts specs/softmax-sweep.yaml --dry-run
 * ```
 * @module
 */
import process from "node:process";
import { main } from "./src/cli/main.ts";

// First Ctrl-C: finish the current case, write what is done, exit 130. Second: exit at once.
const interrupt = new AbortController();
process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write("\ninterrupt: stopping after the current case (Ctrl-C again to quit at once)\n");
  interrupt.abort();
});

const code = await main(process.argv.slice(2), {
  stdout: (text) => console.log(text),
  stderr: process.stderr,
  signal: interrupt.signal,
});
process.exit(code);
