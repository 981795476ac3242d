/**
 * Finds the module behind a kernel or plugin reference in a spec: a built-in name, a path relative
 * to the spec file, or an installed package (looked up in node_modules from the spec's folder up,
 * then from the working directory up).
 *
 * @example
 * ```ts
 * import { classifyReference, importReference } from "./modules.ts";
 * classifyReference("./my_plugin.ts"); // "path"
 * const mod = await importReference("./my_plugin.ts", "/abs/specs");
 * ```
 * @module
 */
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import validatePackageName from "validate-npm-package-name";

/** How a reference is to be found. */
export type ReferenceKind = "path" | "package";

/**
 * `path` for `./x`, `../x` and absolute paths; `package` otherwise.
 *
 * @example
 * ```ts
 * classifyReference("@acme/attn-plugin"); // "package"
 * ```
 */
export function classifyReference(ref: string): ReferenceKind {
  return ref.startsWith("./") || ref.startsWith("../") || path.isAbsolute(ref) ? "path" : "package";
}

/** Why a reference could not be found (the caller turns it into a located spec error). */
export class ReferenceNotFound extends Error {}

/**
 * A package reference that is not a package name (`mitata/../../x.ts`, `a//b`): never looked up.
 *
 * @example
 * ```ts
 * splitPackageReference("mitata/../../x.ts"); // throws InvalidReference
 * ```
 */
export class InvalidReference extends ReferenceNotFound {}

/**
 * The package name and subpath of a package reference, or an {@link InvalidReference}: the name
 * must be a valid npm name (checked by validate-npm-package-name) and the subpath plain folder
 * and file names (no `.`, `..`, empty parts or backslashes), so a reference cannot leave the
 * package's folder.
 *
 * @example
 * ```ts
 * splitPackageReference("@acme/attn/kernels/x.js"); // { name: "@acme/attn", subpath: "kernels/x.js" }
 * ```
 */
export function splitPackageReference(ref: string): { name: string; subpath: string } {
  const parts = ref.split("/");
  const scoped = ref.startsWith("@");
  const name = parts.slice(0, scoped ? 2 : 1).join("/");
  const rest = parts.slice(scoped ? 2 : 1);
  const check = validatePackageName(name);
  if (!check.validForOldPackages) {
    const why = [...(check.errors ?? []), ...(check.warnings ?? [])].join("; ");
    throw new InvalidReference(`"${name}" is not a package name (${why})`);
  }
  const bad = rest.find((part) => part === "" || part === "." || part === ".." || part.includes("\\"));
  if (bad !== undefined) {
    throw new InvalidReference(
      `"${ref}" has a path part "${bad}" after the package name; expected plain folder and file names`,
    );
  }
  return { name, subpath: rest.join("/") };
}

/**
 * Absolute file path of a path or package reference, or a {@link ReferenceNotFound}.
 *
 * @example
 * ```ts
 * resolveReference("./p.ts", "/work/specs"); // "/work/specs/p.ts" (if it exists)
 * ```
 */
export function resolveReference(ref: string, specDir: string): string {
  if (classifyReference(ref) === "path") {
    const file = path.resolve(specDir, ref);
    if (!fs.existsSync(file)) throw new ReferenceNotFound(`file ${file} does not exist`);
    return file;
  }
  for (const start of [specDir, process.cwd()]) {
    const entry = findPackageEntry(ref, start);
    if (entry) return entry;
  }
  throw new ReferenceNotFound(`no installed package "${ref}" in node_modules above ${specDir}`);
}

/**
 * Imports the module a path or package reference points to.
 *
 * @example
 * ```ts
 * const mod = await importReference("@acme/attn-plugin", "/work/specs");
 * ```
 */
export async function importReference(ref: string, specDir: string): Promise<Record<string, unknown>> {
  const file = resolveReference(ref, specDir);
  return await import(pathToFileURL(file).href) as Record<string, unknown>;
}

function findPackageEntry(ref: string, from: string): string | undefined {
  const { name, subpath } = splitPackageReference(ref);
  for (let dir = path.resolve(from);; dir = path.dirname(dir)) {
    const root = path.join(dir, "node_modules", name);
    const manifest = path.join(root, "package.json");
    if (fs.existsSync(manifest)) {
      const pkg = JSON.parse(fs.readFileSync(manifest, "utf8")) as PackageManifest;
      const target = entryOf(pkg, subpath ? `./${subpath}` : ".");
      if (!target) return undefined;
      const entry = path.resolve(root, target);
      if (!entry.startsWith(root + path.sep)) {
        throw new InvalidReference(
          `package "${name}" points its entry ${target} outside its own folder ${root}`,
        );
      }
      return entry;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

interface PackageManifest {
  exports?: string | Record<string, ExportTarget>;
  module?: string;
  main?: string;
}
type ExportTarget = string | { [condition: string]: ExportTarget } | null;

function entryOf(pkg: PackageManifest, subpath: string): string | undefined {
  const exports = pkg.exports;
  if (exports !== undefined) {
    const entry = typeof exports === "string" || !Object.keys(exports).some((k) => k.startsWith("."))
      ? (subpath === "." ? exports : undefined)
      : (exports as Record<string, ExportTarget>)[subpath];
    return pickCondition(entry as ExportTarget | undefined);
  }
  if (subpath !== ".") return subpath;
  return pkg.module ?? pkg.main ?? "index.js";
}

function pickCondition(target: ExportTarget | undefined): string | undefined {
  if (target === undefined || target === null) return undefined;
  if (typeof target === "string") return target;
  for (const condition of ["deno", "bun", "import", "default", "node"]) {
    const found = pickCondition(target[condition]);
    if (found) return found;
  }
  return undefined;
}
