/**
 * Reads a spec file, parses its YAML and validates it against the v1 schema. Every problem is a
 * {@link SpecError} naming the file, the field and its line:column.
 *
 * @example
 * ```ts
 * import { loadSpec } from "./load.ts";
 * const { spec, source } = await loadSpec("specs/softmax-sweep.yaml");
 * spec.kernel; // "softmax"
 * ```
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import * as v from "valibot";
import { SpecError } from "../errors.ts";
import { issueToError } from "./issues.ts";
import { type Spec, specSchema } from "./schema.ts";
import { checkSpecSize, YamlSource } from "./yaml_source.ts";

/** A validated spec with its origin. */
export interface LoadedSpec {
  /** The path as given. */
  file: string;
  /** Folder that relative kernel and plugin paths are resolved against. */
  dir: string;
  /** The spec file's text, for the manifest's hash. */
  text: string;
  spec: Spec;
  source: YamlSource;
}

/**
 * Loads and validates a spec file.
 *
 * @example
 * ```ts
 * await loadSpec("missing.yaml"); // throws SpecError "missing.yaml: cannot read spec: no such file"
 * ```
 */
export async function loadSpec(file: string): Promise<LoadedSpec> {
  let text: string;
  try {
    checkSpecSize(file, (await fs.stat(file)).size);
    text = await fs.readFile(file, "utf8");
  } catch (cause) {
    if (cause instanceof SpecError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === "ENOENT"
      ? "no such file"
      : code === "EISDIR"
      ? "it is a directory"
      : String(code ?? cause);
    throw new SpecError("SPEC_READ", `cannot read spec: ${why}; expected a YAML spec file`, { file }, {
      cause,
    });
  }
  return parseSpec(file, text);
}

/**
 * Validates spec text that is already in memory (`file` is used in messages and for relative paths).
 *
 * @example
 * ```ts
 * parseSpec("inline.yaml", "version: 1\nname: x\nkernel: softmax\nparams: { seq_len: 8, d: 4 }\n");
 * ```
 */
export function parseSpec(file: string, text: string): LoadedSpec {
  const source = YamlSource.parse(file, text);
  const data = source.toJS();
  if (data === null || data === undefined || typeof data !== "object" || Array.isArray(data)) {
    const found = data === null || data === undefined
      ? "an empty document"
      : Array.isArray(data)
      ? "a list"
      : JSON.stringify(data);
    throw new SpecError(
      "SPEC_INVALID",
      `expected a map with version, name, kernel and params, found ${found}`,
      source.locate([]),
    );
  }
  const result = v.safeParse(specSchema, data);
  if (!result.success) throw issueToError(result.issues, [], source, specSchema);
  return { file, dir: path.dirname(path.resolve(file)), text, spec: result.output, source };
}
