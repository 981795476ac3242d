// Builds kernels/wasm/build/attention.wasm from the AssemblyScript sources in kernels/wasm/assembly,
// with the flags in kernels/wasm/asconfig.json (-O3, stub runtime, SIMD, imported memory).
// `npm run build:wasm` runs it, and so does `npm install` / `npm ci` (the `prepare` script), so a
// fresh clone gets the `backend: "wasm"` kernels. Without the assemblyscript dev dependency
// (`npm ci --omit=dev`) it says so and succeeds: the default `js` backend needs nothing built.
import { fileURLToPath } from "node:url";

const config = fileURLToPath(new URL("../kernels/wasm/asconfig.json", import.meta.url));

let asc;
try {
  asc = (await import("assemblyscript/asc")).default;
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  console.warn(
    "build:wasm: assemblyscript (a dev dependency) is not installed; the wasm backend is not built",
  );
  process.exit(0);
}

const { error } = await asc.main(["--config", config], { stdout: process.stdout, stderr: process.stderr });
if (error) {
  console.error(`build:wasm: ${error.message}`);
  process.exit(1);
}
console.log(`build:wasm: ${fileURLToPath(new URL("../kernels/wasm/build/attention.wasm", import.meta.url))}`);
