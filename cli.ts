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

const code = await main(process.argv.slice(2), {
  stdout: (text) => console.log(text),
  stderr: process.stderr,
});
process.exit(code);
