/**
 * The power sources as `attnbench plugins` lists them: each built-in source, whether its own
 * detection finds it here (with default options) and the `power:` options it reads.
 *
 * @example
 * ```ts
 * import { powerSourceCatalog } from "./catalog.ts";
 * (await powerSourceCatalog.entries()).map((e) => e.name); // ["rapl", "nvml", "mock"]
 * ```
 * @module
 */
import * as v from "valibot";
import { type CatalogSection, describeError, optionList } from "../../plugin_kit.ts";
import { powerOptions } from "./options.ts";
import { builtinPowerSources, probeSource } from "./sources/mod.ts";

/** The catalog section of the built-in power sources. */
export const powerSourceCatalog: CatalogSection = {
  title:
    "Power sources (power: { source: NAME }; also a path or package exporting definePowerSource(...), or a function of source_options returning one)",
  optionsLabel: "options (under power:)",
  async entries() {
    const defaults = v.parse(powerOptions, {});
    const all = optionList(powerOptions);
    return await Promise.all(
      Object.entries(builtinPowerSources).map(async ([name, source]) => ({
        name,
        description: source.description,
        availability: await probeSource({ kind: "builtin", name }, defaults).catch((err) =>
          `detect failed: ${describeError(err)}`
        ),
        options: all.filter((option) =>
          source.optionKeys.some((key) => option.startsWith(`${key} `) || option.startsWith(`${key}.`))
        ),
      })),
    );
  },
};
