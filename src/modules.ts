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
import { fileURLToPath, pathToFileURL } from "node:url";
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
  return findPackage(ref, specDir).entry;
}

/** An installed package a reference names: its entry file, name and version. */
export interface InstalledPackage {
  entry: string;
  name: string;
  version: string | null;
}

/**
 * The installed package a package reference names, looked up in order: the `node_modules` beside
 * the spec and above it, then above the working directory, then the ones attnbench itself is
 * installed in (so a plugin installed beside attnbench is found wherever the spec lives). Throws a
 * {@link ReferenceNotFound} that lists every folder searched.
 *
 * @example
 * ```ts
 * findPackage("attnbench-plugin-throughput", "/work/specs").version; // "1.0.0"
 * ```
 */
export function findPackage(ref: string, specDir: string): InstalledPackage {
  const searched: string[] = [];
  for (const start of [specDir, process.cwd(), HOST_DIR]) {
    const found = findPackageFrom(ref, start, searched);
    if (found) return found;
  }
  throw new ReferenceNotFound(
    `no installed package "${ref}"; searched ${searched.join(", ")}`,
  );
}

/** Where this module is: attnbench's own folder, inside the node_modules it is installed in. */
const HOST_DIR = path.dirname(fileURLToPath(import.meta.url));

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

function findPackageFrom(ref: string, from: string, searched: string[]): InstalledPackage | undefined {
  const { name, subpath } = splitPackageReference(ref);
  for (let dir = path.resolve(from);; dir = path.dirname(dir)) {
    const modules = path.join(dir, "node_modules");
    if (!searched.includes(modules)) searched.push(modules);
    const root = path.join(modules, name);
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
      return { entry, name, version: typeof pkg.version === "string" ? pkg.version : null };
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

interface PackageManifest {
  version?: unknown;
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
