/**
 * RAPL energy counters of Intel and AMD CPUs through Linux powercap (`/sys/class/powercap`),
 * read with `node:fs` so it works the same on Deno, Bun and Node.
 *
 * Zones are found by their `name` file (`package-N`, `core`, `uncore`, `dram`, `psys`), never by
 * index: `intel-rapl:1` is the psys zone on many one-socket laptops. Top-level zones
 * `intel-rapl:N` are listed from the root and their subzones `intel-rapl:N:M` from inside them,
 * so the flat subzone links and the `intel-rapl-mmio` duplicates of package zones are not counted
 * twice. `energy_uj` wraps at `max_energy_range_uj`; every read adds the difference since the
 * previous read per zone, adding the range back when it went down, so any number of wraps is
 * counted as long as no zone wraps twice between two reads (about 44 min at 100 W on Intel,
 * 11 min on AMD).
 *
 * @example
 * ```ts
 * import { raplSource } from "./rapl.ts";
 *
 * const rapl = raplSource({ domains: ["package", "dram"] });
 * const ok = rapl.detect();
 * if (ok !== true) console.log(ok); // e.g. "no RAPL zones under /sys/class/powercap (VM or non-Intel/AMD CPU) ..."
 * else {
 *   const begin = rapl.readEnergyJoules();
 *   // ... work ...
 *   console.log(rapl.readEnergyJoules() - begin, "J");
 * }
 * ```
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { definePowerSource, type PowerSource } from "../../../plugin_kit.ts";

/** Default powercap root of Linux. */
const POWERCAP_ROOT = "/sys/class/powercap";

/**
 * The RAPL domains a zone's `name` can denote.
 *
 * @example
 * ```ts
 * RAPL_DOMAINS.includes("dram"); // true
 * ```
 */
export const RAPL_DOMAINS = ["package", "core", "uncore", "dram", "psys"] as const;

/**
 * A RAPL domain, the `name` of a powercap zone without its socket number.
 *
 * @example
 * ```ts
 * const domains: RaplDomain[] = ["package", "dram"];
 * ```
 */
export type RaplDomain = typeof RAPL_DOMAINS[number];

/** Domains whose energy already includes other domains (psys ⊇ package ⊇ core + uncore). */
const CONTAINS: Partial<Record<RaplDomain, readonly RaplDomain[]>> = {
  psys: ["package", "core", "uncore"],
  package: ["core", "uncore"],
};

/**
 * Options of {@link raplSource}.
 *
 * @example
 * ```ts
 * const options: RaplOptions = { root: "/tmp/fake-powercap", domains: ["package"] };
 * ```
 */
export interface RaplOptions {
  /** Powercap directory; default `/sys/class/powercap` (tests pass a fake tree). */
  root?: string;
  /**
   * Domains to sum over every socket; default `["package"]`. Domains containing one another
   * (`package` with `core`, `psys` with anything but `dram`) are refused: they would double count.
   */
  domains?: readonly RaplDomain[];
}

/**
 * A zone being summed, with its counter state.
 *
 * @example
 * ```ts
 * const zone: RaplZone = rapl.zones()[0];
 * console.log(zone.id, zone.name, zone.wraps); // "intel-rapl:0" "package-0" 0
 * ```
 */
export interface RaplZone {
  /** Directory name, e.g. `intel-rapl:0:1`. */
  id: string;
  /** Content of its `name` file, e.g. `package-0` or `dram`. */
  name: string;
  /** Its directory. */
  path: string;
  /** Range of `energy_uj`: it wraps to 0 after this value. */
  max_energy_range_uj: number;
  /** Raw `energy_uj` at the last read. */
  last_uj: number;
  /** Microjoules counted since `detect()`. */
  total_uj: number;
  /** Wraparounds corrected since `detect()`. */
  wraps: number;
}

/**
 * The RAPL source: synchronous energy counter, no watts (RAPL has no instantaneous power).
 *
 * @example
 * ```ts
 * const rapl: RaplPowerSource = raplSource();
 * ```
 */
export interface RaplPowerSource extends PowerSource {
  detect(): true | string;
  /** Joules of the selected zones since `detect()`. Throws when a counter cannot be read. */
  readEnergyJoules(): number;
  /** The zones being summed (empty before a successful `detect()`); copies. */
  zones(): RaplZone[];
}

/** Why a powercap read failed, already phrased for the user. */
class RaplUnavailable extends Error {}

/**
 * Creates a RAPL source summing the chosen domains. Throws a `RangeError` for unknown,
 * repeated or nested domains.
 *
 * @example
 * ```ts
 * const rapl = raplSource({ root: "/sys/class/powercap", domains: ["package"] });
 * if (rapl.detect() === true) rapl.readEnergyJoules(); // 0 right after detect
 * ```
 */
export function raplSource(options: RaplOptions = {}): RaplPowerSource {
  const root = options.root ?? POWERCAP_ROOT;
  const domains = validDomains(options.domains ?? ["package"]);
  let zones: RaplZone[] = [];
  return definePowerSource({
    name: "rapl",
    detect(): true | string {
      zones = [];
      try {
        zones = openZones(root, domains);
        return true;
      } catch (err) {
        if (err instanceof RaplUnavailable) return err.message;
        throw err;
      }
    },
    readEnergyJoules(): number {
      return zones.reduce((uj, zone) => uj + advance(zone, root), 0) / 1e6;
    },
    zones: () => zones.map((zone) => ({ ...zone })),
  });
}

function validDomains(domains: readonly RaplDomain[]): readonly RaplDomain[] {
  const expected = `expected a non-empty list of distinct domains from ${RAPL_DOMAINS.join(", ")}`;
  const unknown = domains.some((d) => !RAPL_DOMAINS.includes(d));
  if (domains.length === 0 || unknown || new Set(domains).size !== domains.length) {
    throw new RangeError(`RAPL domains ${JSON.stringify(domains)} are invalid; ${expected}`);
  }
  for (const outer of domains) {
    const inner = CONTAINS[outer]?.find((d) => domains.includes(d));
    if (inner) {
      throw new RangeError(
        `RAPL domains ${JSON.stringify(domains)} double count: ${inner} is inside ${outer}; ` +
          "expected domains that do not contain one another",
      );
    }
  }
  return domains;
}

/** Finds the zones of the chosen domains and takes the first read of each counter. */
function openZones(root: string, domains: readonly RaplDomain[]): RaplZone[] {
  const all = listZones(root).map((zone) => {
    const name = readText(join(zone.path, "name"), root);
    return { ...zone, name, domain: domainOf(name) };
  });
  const missing = domains.filter((d) => !all.some((zone) => zone.domain === d));
  if (missing.length > 0) {
    throw new RaplUnavailable(
      `no RAPL zone named ${missing.join(" or ")} under ${root}; found ` +
        `${all.map((zone) => `${zone.name} (${zone.id})`).join(", ")}`,
    );
  }
  return all
    .filter((zone) => domains.some((d) => d === zone.domain))
    .map(({ id, path, name }) => ({
      id,
      path,
      name,
      max_energy_range_uj: readMicrojoules(join(path, "max_energy_range_uj"), root),
      last_uj: readMicrojoules(join(path, "energy_uj"), root),
      total_uj: 0,
      wraps: 0,
    }));
}

/** Top-level zones `intel-rapl:N` of the root, each followed by its subzones `intel-rapl:N:M`. */
function listZones(root: string): { id: string; path: string }[] {
  const entries = listDir(root, root);
  const top = zoneIds(entries ?? [], /^intel-rapl:\d+$/);
  if (top.length === 0) {
    const found = entries === null
      ? "the directory does not exist"
      : `found ${entries.join(", ") || "nothing"}`;
    throw new RaplUnavailable(
      `no RAPL zones under ${root} (VM or non-Intel/AMD CPU): ${found}, expected intel-rapl:N zone directories; ` +
        "on bare metal with such a CPU, load the driver with: sudo modprobe intel_rapl_msr",
    );
  }
  return top.flatMap((id) => {
    const path = join(root, id);
    const subzones = zoneIds(listDir(path, root) ?? [], new RegExp(`^${id}:\\d+$`));
    return [{ id, path }, ...subzones.map((sub) => ({ id: sub, path: join(path, sub) }))];
  });
}

/** Entries of a directory, or `null` when it does not exist. */
function listDir(dir: string, root: string): string[] | null {
  try {
    return readdirSync(dir);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return null;
    throw new RaplUnavailable(describeReadError(dir, err, root));
  }
}

function zoneIds(entries: readonly string[], pattern: RegExp): string[] {
  return entries.filter((entry) => pattern.test(entry)).sort((a, b) =>
    a.localeCompare(b, "en", { numeric: true })
  );
}

/** Domain of a zone name (`package-1-die-0` → `package`), or `undefined` for names RAPL does not define. */
function domainOf(name: string): RaplDomain | undefined {
  if (/^package-\d+(-die-\d+)?$/.test(name)) return "package";
  return RAPL_DOMAINS.find((d) => d === name);
}

/** Reads a zone's counter and adds the increase since the last read, across one wrap. */
function advance(zone: RaplZone, root: string): number {
  const now = readMicrojoules(join(zone.path, "energy_uj"), root);
  let delta = now - zone.last_uj;
  if (delta < 0) {
    delta += zone.max_energy_range_uj;
    zone.wraps++;
  }
  zone.total_uj += delta;
  zone.last_uj = now;
  return zone.total_uj;
}

function readMicrojoules(path: string, root: string): number {
  const text = readText(path, root);
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw new RaplUnavailable(
      `${path} contains ${JSON.stringify(text)}; expected a whole number of microjoules`,
    );
  }
  return value;
}

function readText(path: string, root: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (err) {
    throw new RaplUnavailable(describeReadError(path, err, root));
  }
}

/** The user's reason for a failed read: what happened, and the fix when there is one. */
function describeReadError(path: string, err: unknown, root: string): string {
  const { code, name, message } = err as { code?: string; name?: string; message?: string };
  if (name === "NotCapable") {
    return `Deno refused to read ${path}: it reads /sys only with all permissions; ` +
      "run deno with -A (--allow-read is not enough for /sys)";
  }
  if (code === "EACCES" || code === "EPERM") {
    return `permission denied reading ${path}; expected it to be readable by this user ` +
      "(energy_uj is root-only since the CVE-2020-8694 fix): run as root, or until reboot: " +
      `sudo chmod o+r ${root}/intel-rapl:*/energy_uj (a udev rule on SUBSYSTEM=="powercap" makes it permanent)`;
  }
  if (code === "EIO") return `reading ${path} failed with EIO (the MSR read failed; common in VMs)`;
  return `reading ${path} failed: ${message ?? String(err)}`;
}
