/**
 * The attnbench version written into every manifest (kept equal to package.json by a test).
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(`attnbench ${VERSION}`);
 * ```
 * @module
 */

/** Semantic version of this attnbench. */
export const VERSION = "0.2.0";

/** Version of the manifest.json layout (2: per-case metrics, sessions, limits, process, errors). */
export const MANIFEST_SCHEMA_VERSION = 2;
