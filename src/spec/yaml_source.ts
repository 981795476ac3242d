/**
 * A YAML document kept with its source positions, so any field path can be turned back into a
 * line and column. Hostile input is bounded: the text's size, the nesting depth and alias
 * expansion are capped, and every number must be finite and, when integer-valued, exact
 * (within ±2^53), so no `.inf`, `.nan` or `9007199254740993` reaches the schema.
 *
 * @example
 * ```ts
 * import { YamlSource } from "./yaml_source.ts";
 * const src = YamlSource.parse("a.yaml", "params:\n  seq_len: [1, -5]\n");
 * src.locate(["params", "seq_len", 1]); // { file: "a.yaml", line: 2, column: 16 }
 * ```
 * @module
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from "yaml";
import { type SourceLocation, SpecError } from "../errors.ts";

/** Aliases a spec may expand; a "billion laughs" document hits this long before it hurts. */
export const MAX_ALIAS_COUNT = 100;

/** Largest spec text accepted, bytes: real specs are a few hundred bytes to a few KiB. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/**
 * Refuses a spec over {@link MAX_SPEC_BYTES}; `loadSpec` calls it with the file's size before
 * reading it, `YamlSource.parse` with the text's.
 *
 * @example
 * ```ts
 * checkSpecSize("huge.yaml", 50 * 1024 * 1024); // throws SpecError SPEC_TOO_LARGE
 * ```
 */
export function checkSpecSize(file: string, bytes: number): void {
  if (bytes <= MAX_SPEC_BYTES) return;
  throw new SpecError(
    "SPEC_TOO_LARGE",
    `the spec is ${bytes} bytes; expected at most ${MAX_SPEC_BYTES} (1 MiB): a spec names a grid, it does not list it`,
    { file },
  );
}

/** Deepest nesting of maps and lists accepted; a spec needs 4 (plugins → options → rapl → domains). */
export const MAX_NESTING = 32;

/** A path into a document: map keys and sequence indices. */
export type FieldPath = readonly (string | number)[];

/**
 * Parsed YAML plus the means to locate fields in it.
 *
 * @example
 * ```ts
 * const src = YamlSource.parse("spec.yaml", text);
 * const data = src.toJS();
 * ```
 */
export class YamlSource {
  readonly file: string;
  readonly #doc: Document.Parsed;
  readonly #lines: LineCounter;

  private constructor(file: string, doc: Document.Parsed, lines: LineCounter) {
    this.file = file;
    this.#doc = doc;
    this.#lines = lines;
  }

  /**
   * Parses YAML text; a syntax error becomes a {@link SpecError} with its position.
   *
   * @example
   * ```ts
   * YamlSource.parse("bad.yaml", "a: [1, 2"); // throws "bad.yaml:1:9: invalid YAML: ..."
   * ```
   */
  static parse(file: string, text: string): YamlSource {
    checkSpecSize(file, new TextEncoder().encode(text).length);
    const lines = new LineCounter();
    let doc: Document.Parsed;
    try {
      doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    } catch (cause) {
      // The parser recurses per nesting level: a document nested thousands deep overflows the stack.
      if (!(cause instanceof RangeError)) throw cause;
      throw new SpecError(
        "SPEC_TOO_DEEP",
        `maps and lists nest too deep to parse; expected at most ${MAX_NESTING} levels`,
        {
          file,
        },
        { cause },
      );
    }
    const error = doc.errors[0];
    if (error?.message.includes("call stack")) {
      throw new SpecError(
        "SPEC_TOO_DEEP",
        `maps and lists nest too deep to parse; expected at most ${MAX_NESTING} levels`,
        {
          file,
        },
      );
    }
    if (error) {
      const at = lines.linePos(error.pos[0]);
      const what = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
      throw new SpecError("SPEC_YAML", `invalid YAML: ${what}`, { file, line: at.line, column: at.col });
    }
    const source = new YamlSource(file, doc, lines);
    source.#checkNodes();
    return source;
  }

  /**
   * The document as plain data; a document that expands too many aliases is rejected.
   *
   * @example
   * ```ts
   * YamlSource.parse("a.yaml", "x: 1").toJS(); // { x: 1 }
   * ```
   */
  toJS(): unknown {
    try {
      return this.#doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (cause) {
      if (!(cause instanceof ReferenceError)) throw cause;
      throw new SpecError(
        "SPEC_ALIAS_BOMB",
        `YAML aliases expand too far (${
          cause.message.split("\n")[0]
        }); expected at most ${MAX_ALIAS_COUNT} alias expansions`,
        this.#firstAlias(),
        { cause },
      );
    }
  }

  /**
   * Where the field at `path` is: its value, or its key with `{ key: true }`. A path that does not
   * exist resolves to its deepest existing ancestor.
   *
   * @example
   * ```ts
   * src.locate(["kernel"]); // { file, line, column } of the kernel's value
   * ```
   */
  locate(path: FieldPath, options: { key?: boolean } = {}): SourceLocation {
    let node: unknown = this.#doc.contents;
    let best: Node | null = (node as Node) ?? null;
    for (let i = 0; i < path.length; i++) {
      const step = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair) break;
        if (last && options.key && pair.key) {
          best = pair.key as Node;
          break;
        }
        node = pair.value;
      } else if (isSeq(node) && typeof step === "number") {
        node = node.items[step];
      } else {
        break;
      }
      if (!node) break;
      best = node as Node;
    }
    return this.#position(best);
  }

  /** Refuses nesting beyond {@link MAX_NESTING} and numbers that are not finite or not exact. */
  #checkNodes(): void {
    visit(this.#doc, {
      Node: (_key, node, path) => {
        const depth = path.filter((step) => isMap(step) || isSeq(step)).length;
        if (depth > MAX_NESTING) {
          throw new SpecError(
            "SPEC_TOO_DEEP",
            `maps and lists nest ${depth} levels deep here; expected at most ${MAX_NESTING}`,
            this.#position(node),
          );
        }
        if (!isScalar(node) || typeof node.value !== "number") return;
        const value = node.value;
        const written = node.source ?? String(value);
        if (!Number.isFinite(value)) {
          throw new SpecError(
            "SPEC_NOT_FINITE",
            `found ${written}; expected a finite number (.inf and .nan are not accepted anywhere in a spec)`,
            this.#position(node),
          );
        }
        if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
          throw new SpecError(
            "SPEC_UNSAFE_INTEGER",
            `found ${written}, which is beyond ±2^53 − 1 (${Number.MAX_SAFE_INTEGER}) and cannot be held exactly; expected a smaller integer`,
            this.#position(node),
          );
        }
      },
    });
  }

  #position(node: Node | null): SourceLocation {
    const offset = node?.range?.[0];
    if (offset === undefined) return { file: this.file, line: 1, column: 1 };
    const at = this.#lines.linePos(offset);
    return { file: this.file, line: at.line, column: at.col };
  }

  #firstAlias(): SourceLocation {
    let found: Node | null = null;
    visit(this.#doc, {
      Alias(_key, node) {
        found ??= node;
        return visit.BREAK;
      },
    });
    return this.#position(isAlias(found) ? found : null);
  }
}
