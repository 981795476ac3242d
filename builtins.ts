/**
 * The built-in kernels, profiler plugins and power sources, composed with the core: importing
 * this module registers them (src/registry.ts). The core never imports them itself; the entry
 * points (`mod.ts`, `cli.ts`, `worker.ts`, `witness_worker.ts`, `testing.ts`) import this.
 *
 * @example
 * ```ts
 * import { builtinKernels } from "./builtins.ts";
 * Object.keys(builtinKernels); // ["softmax", "flash", "window", "multihead", "mincut"]
 * ```
 * @module
 */
import { builtinKernels } from "./kernels/mod.ts";
import { builtinProfilers } from "./plugins/mod.ts";
import { powerSourceCatalog } from "./plugins/power/catalog.ts";
import { registerBuiltins } from "./src/registry.ts";

registerBuiltins({ kernels: builtinKernels, profilers: builtinProfilers, catalog: [powerSourceCatalog] });

export { builtinKernels, builtinProfilers };
