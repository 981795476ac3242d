// Builds the npm package into dist/: the TypeScript compiled to ESM JavaScript with .d.ts types
// (`tsc -p tsconfig.build.json`, relative `.ts` imports rewritten to `.js`), the WebAssembly
// kernels copied beside their loader, and dist/cli.js made the `attnbench` bin (a Node shebang).
// `npm run build` runs it, and so does `npm pack` / `npm publish` (the `prepack` script). The
// repository itself runs from source (`deno run -A cli.ts`, `bun cli.ts`) and needs none of it.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.join(root, "dist");
const wasm = path.join("kernels", "wasm", "build", "attention.wasm");

if (!fs.existsSync(path.join(root, wasm))) {
  execFileSync(process.execPath, [path.join(root, "scripts", "build_wasm.mjs")], { stdio: "inherit" });
}
if (!fs.existsSync(path.join(root, wasm))) {
  console.error(`build: ${wasm} is missing and could not be built; the package needs it`);
  process.exit(1);
}

fs.rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
try {
  execFileSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit" });
} catch {
  console.error("build: tsc failed (see above)");
  process.exit(1);
}

fs.mkdirSync(path.dirname(path.join(dist, wasm)), { recursive: true });
fs.copyFileSync(path.join(root, wasm), path.join(dist, wasm));

const cli = path.join(dist, "cli.js");
const text = fs.readFileSync(cli, "utf8").replace(/^#!.*\n/, "");
fs.writeFileSync(cli, `#!/usr/bin/env node\n${text}`);
fs.chmodSync(cli, 0o755);
console.log(`build: ${path.relative(root, dist)}/ (cli.js, mod.js, testing.js and their .d.ts; ${wasm})`);
