/**
 * Where a sibling module is, from source or from the built package: `.ts` files run as they are
 * under Deno and Bun, the npm package ships them compiled to `.js` (for Node). A worker started
 * from a URL is not an import, so the compiler does not rewrite its extension; this does.
 *
 * @example
 * ```ts
 * import { siblingModule } from "./module_url.ts";
 * new Worker(siblingModule(import.meta.url, "watchdog_worker"));
 * ```
 * @module
 */
import path from "node:path";

/**
 * The URL of module `name` beside the module at `base` (its `import.meta.url`), with `base`'s own
 * extension.
 *
 * @example
 * ```ts
 * siblingModule("file:///pkg/dist/src/a.js", "b").href; // "file:///pkg/dist/src/b.js"
 * siblingModule("file:///repo/src/a.ts", "b").href; // "file:///repo/src/b.ts"
 * ```
 */
export function siblingModule(base: string, name: string): URL {
  const extension = path.extname(new URL(base).pathname) || ".ts";
  return new URL(`./${name}${extension}`, base);
}
