import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { type RaplDomain, raplSource } from "../plugins/power/sources/rapl.ts";
import { runtimeName } from "../src/runtime.ts";
import { tempDir } from "./support/temp.ts";

/** `max_energy_range_uj` of Intel packages (energy unit 2⁻¹⁴ J). */
const INTEL_RANGE = 262143328850;
/** `max_energy_range_uj` of AMD Zen packages (energy unit 2⁻¹⁶ J). */
const AMD_RANGE = 65532610987;

interface FakeZone {
  id: string;
  name: string;
  energy_uj: number;
  range?: number;
}

/**
 * A two-socket laptop-ish machine as powercap shows it: psys is top-level zone 1 (so package-1
 * is zone 2), each package has a core subzone, package 0 also a dram one.
 */
const MACHINE: FakeZone[] = [
  { id: "intel-rapl:0", name: "package-0", energy_uj: 1_000_000 },
  { id: "intel-rapl:0:0", name: "core", energy_uj: 500_000 },
  { id: "intel-rapl:0:1", name: "dram", energy_uj: 300_000 },
  { id: "intel-rapl:1", name: "psys", energy_uj: 9_000_000 },
  { id: "intel-rapl:2", name: "package-1", energy_uj: 2_000_000 },
  { id: "intel-rapl:2:0", name: "core", energy_uj: 700_000 },
];

const scratch = tempDir();
let trees = 0;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Writes a powercap tree like the kernel's: the `intel-rapl` control type, top-level zone
 * directories, subzones nested inside their zone and linked flat at the root (as
 * /sys/class/powercap does), and an `intel-rapl-mmio` duplicate of package 0.
 */
function fakePowercap(zones: FakeZone[] = MACHINE): string {
  const root = join(scratch, `powercap-${trees++}`);
  mkdirSync(join(root, "intel-rapl"), { recursive: true });
  writeFileSync(join(root, "intel-rapl", "enabled"), "1\n");
  for (const zone of zones) writeZone(join(root, zonePath(zone.id)), zone);
  for (const zone of zones.filter((z) => z.id.split(":").length === 3)) {
    symlinkSync(zonePath(zone.id), join(root, zone.id));
  }
  writeZone(join(root, "intel-rapl-mmio:0"), { id: "intel-rapl-mmio:0", name: "package-0", energy_uj: 5 });
  return root;
}

function writeZone(dir: string, zone: FakeZone): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "name"), `${zone.name}\n`);
  writeFileSync(join(dir, "max_energy_range_uj"), `${zone.range ?? INTEL_RANGE}\n`);
  writeFileSync(join(dir, "enabled"), "1\n");
  writeFileSync(join(dir, "energy_uj"), `${zone.energy_uj}\n`);
}

/** `intel-rapl:0:1` → `intel-rapl:0/intel-rapl:0:1`. */
function zonePath(id: string): string {
  const [type, top, sub] = id.split(":");
  return sub === undefined ? id : join(`${type}:${top}`, id);
}

function setEnergy(root: string, id: string, uj: number): void {
  writeFileSync(join(root, zonePath(id), "energy_uj"), `${uj}\n`);
}

/** Whether reading `path` fails with a permission error, as it does for a root-only energy_uj. */
function deniesReads(path: string): boolean {
  try {
    readFileSync(path);
    return false;
  } catch (err) {
    return ["EACCES", "EPERM"].includes((err as { code?: string }).code ?? "");
  }
}

/**
 * Makes `path` unreadable: chmod 000, or, as root (whom chmod does not stop), a link to a
 * write-only sysctl, which the kernel refuses to read even to root (EACCES). Returns why not when
 * neither works.
 */
function makeUnreadable(path: string): string | undefined {
  chmodSync(path, 0o000);
  if (deniesReads(path)) return undefined;
  rmSync(path);
  symlinkSync("/proc/sys/vm/drop_caches", path);
  if (deniesReads(path)) return undefined;
  return "running as root, chmod 000 does not stop reads and /proc/sys/vm/drop_caches is missing or readable";
}

describe("RAPL zone discovery", () => {
  test("sums the top-level package zones by name, not by index", () => {
    const rapl = raplSource({ root: fakePowercap() });
    expect(rapl.detect()).toBe(true);
    expect(rapl.zones().map((z) => [z.id, z.name])).toEqual([["intel-rapl:0", "package-0"], [
      "intel-rapl:2",
      "package-1",
    ]]);
  });

  const selections: [RaplDomain[], string[]][] = [
    [["dram"], ["intel-rapl:0:1"]],
    [["core"], ["intel-rapl:0:0", "intel-rapl:2:0"]],
    [["package", "dram"], ["intel-rapl:0", "intel-rapl:0:1", "intel-rapl:2"]],
    [["psys"], ["intel-rapl:1"]],
  ];
  for (const [domains, ids] of selections) {
    test(`domains ${domains.join(" + ")} select ${ids.join(", ")}`, () => {
      const rapl = raplSource({ root: fakePowercap(), domains });
      expect(rapl.detect()).toBe(true);
      expect(rapl.zones().map((z) => z.id)).toEqual(ids);
    });
  }

  test("multi-die package names (package-N-die-D) are packages", () => {
    const rapl = raplSource({
      root: fakePowercap([
        { id: "intel-rapl:0", name: "package-0-die-0", energy_uj: 1 },
        { id: "intel-rapl:1", name: "package-0-die-1", energy_uj: 1 },
      ]),
    });
    expect(rapl.detect()).toBe(true);
    expect(rapl.zones().map((z) => z.name)).toEqual(["package-0-die-0", "package-0-die-1"]);
  });

  test("zones are ordered by number, intel-rapl:10 after intel-rapl:2", () => {
    const zones = [0, 10, 2].map((i) => ({ id: `intel-rapl:${i}`, name: `package-${i}`, energy_uj: 1 }));
    const rapl = raplSource({ root: fakePowercap(zones) });
    expect(rapl.detect()).toBe(true);
    expect(rapl.zones().map((z) => z.id)).toEqual(["intel-rapl:0", "intel-rapl:2", "intel-rapl:10"]);
  });

  test("domains that double count, repeat or do not exist are refused", () => {
    expect(() => raplSource({ domains: ["package", "core"] })).toThrow(
      'RAPL domains ["package","core"] double count: core is inside package; expected domains that do not contain one another',
    );
    expect(() => raplSource({ domains: ["dram", "psys", "uncore"] })).toThrow("uncore is inside psys");
    expect(() => raplSource({ domains: [] })).toThrow(
      "RAPL domains [] are invalid; expected a non-empty list",
    );
    expect(() => raplSource({ domains: ["dram", "dram"] })).toThrow("are invalid");
    expect(() => raplSource({ domains: ["gpu" as "dram"] })).toThrow(
      'RAPL domains ["gpu"] are invalid; expected a non-empty list of distinct domains from package, core, uncore, dram, psys',
    );
  });
});

describe("RAPL energy counter", () => {
  test("reads 0 J right after detect, then the increase of the selected zones only", () => {
    const root = fakePowercap();
    const rapl = raplSource({ root });
    expect(rapl.detect()).toBe(true);
    expect(rapl.readEnergyJoules()).toBe(0);
    setEnergy(root, "intel-rapl:0", 1_000_000 + 1_250_000);
    setEnergy(root, "intel-rapl:2", 2_000_000 + 2_000_000);
    setEnergy(root, "intel-rapl:0:0", 99_000_000);
    setEnergy(root, "intel-rapl:1", 99_000_000);
    writeFileSync(join(root, "intel-rapl-mmio:0", "energy_uj"), "99000000\n");
    expect(rapl.readEnergyJoules()).toBe(3.25);
    expect(rapl.readEnergyJoules()).toBe(3.25);
  });

  test("corrects one wraparound at max_energy_range_uj", () => {
    const root = fakePowercap([{ id: "intel-rapl:0", name: "package-0", energy_uj: INTEL_RANGE - 328_850 }]);
    const rapl = raplSource({ root });
    expect(rapl.detect()).toBe(true);
    setEnergy(root, "intel-rapl:0", 500_000);
    expect(rapl.readEnergyJoules()).toBe(0.82885);
    expect(rapl.zones()[0].wraps).toBe(1);
  });

  test("counts several wraps when polled at least once per wrap, each zone on its own", () => {
    const start = [60_000_000_000, 123];
    const root = fakePowercap([
      { id: "intel-rapl:0", name: "package-0", energy_uj: start[0], range: AMD_RANGE },
      { id: "intel-rapl:1", name: "package-1", energy_uj: start[1], range: AMD_RANGE },
    ]);
    const rapl = raplSource({ root });
    expect(rapl.detect()).toBe(true);
    const steps = [40_000_000_000, 5_532_610_987, 65_000_000_000, 30_000_000_000, 64_999_999_999];
    let consumed = 0;
    for (const [k, step] of steps.entries()) {
      consumed += step;
      const other = 1_000_000 * (k + 1);
      setEnergy(root, "intel-rapl:0", (start[0] + consumed) % AMD_RANGE);
      setEnergy(root, "intel-rapl:1", start[1] + other);
      expect(rapl.readEnergyJoules()).toBe((consumed + other) / 1e6);
    }
    expect(rapl.zones().map((z) => z.wraps)).toEqual([4, 0]);
  });

  test("a counter that becomes unreadable after detect throws with the file and its content", () => {
    const root = fakePowercap();
    const rapl = raplSource({ root });
    expect(rapl.detect()).toBe(true);
    writeFileSync(join(root, "intel-rapl:2", "energy_uj"), "garbage\n");
    expect(() => rapl.readEnergyJoules()).toThrow(
      `${join(root, "intel-rapl:2", "energy_uj")} contains "garbage"; expected a whole number of microjoules`,
    );
  });
});

describe("RAPL unavailable", () => {
  test("no powercap directory (VM, container, non-Intel/AMD CPU)", () => {
    const root = join(scratch, "absent");
    expect(raplSource({ root }).detect()).toBe(
      `no RAPL zones under ${root} (VM or non-Intel/AMD CPU): the directory does not exist, expected intel-rapl:N ` +
        "zone directories; on bare metal with such a CPU, load the driver with: sudo modprobe intel_rapl_msr",
    );
  });

  test("a powercap directory without RAPL zones says what it holds", () => {
    const root = join(scratch, "dtpm-only");
    mkdirSync(join(root, "dtpm"), { recursive: true });
    expect(raplSource({ root }).detect()).toContain(
      `no RAPL zones under ${root} (VM or non-Intel/AMD CPU): found dtpm, expected intel-rapl:N zone directories`,
    );
  });

  test("a requested domain the machine lacks is named with the zones found", () => {
    const root = fakePowercap(MACHINE.filter((z) => z.name !== "dram"));
    expect(raplSource({ root, domains: ["dram"] }).detect()).toBe(
      `no RAPL zone named dram under ${root}; found package-0 (intel-rapl:0), core (intel-rapl:0:0), ` +
        "psys (intel-rapl:1), package-1 (intel-rapl:2), core (intel-rapl:2:0)",
    );
  });

  test("permission denied on energy_uj (root-only since CVE-2020-8694) gives the fix", () => {
    const root = fakePowercap();
    const counter = join(root, "intel-rapl:2", "energy_uj");
    const cannot = makeUnreadable(counter);
    if (cannot) return console.log(`skipped the permission-denied assertion: ${cannot}`);
    const rapl = raplSource({ root });
    expect(rapl.detect()).toBe(
      `permission denied reading ${counter}; expected it to be readable by this user (energy_uj is root-only ` +
        `since the CVE-2020-8694 fix): run as root, or until reboot: sudo chmod o+r ${root}/intel-rapl:*/energy_uj ` +
        '(a udev rule on SUBSYSTEM=="powercap" makes it permanent)',
    );
    expect(rapl.zones()).toEqual([]);
  });

  test("EIO on read (MSR read failed, common in VMs)", () => {
    const root = fakePowercap();
    const counter = join(root, "intel-rapl:0", "energy_uj");
    rmSync(counter);
    symlinkSync("/proc/self/mem", counter); // reading offset 0 of a process's memory fails with EIO
    expect(raplSource({ root }).detect()).toBe(
      `reading ${counter} failed with EIO (the MSR read failed; common in VMs)`,
    );
  });

  test("a counter file that is not a number", () => {
    const root = fakePowercap();
    writeFileSync(join(root, "intel-rapl:0", "max_energy_range_uj"), "-1\n");
    expect(raplSource({ root }).detect()).toBe(
      `${
        join(root, "intel-rapl:0", "max_energy_range_uj")
      } contains "-1"; expected a whole number of microjoules`,
    );
  });

  test.if(runtimeName() === "deno")("Deno without -A is told to use -A, not chmod", () => {
    const script = join(scratch, "detect_with_allow_read.ts");
    const rapl = new URL("../plugins/power/sources/rapl.ts", import.meta.url).href;
    writeFileSync(
      script,
      `import { raplSource } from "${rapl}";\nconsole.log(JSON.stringify(raplSource().detect()));\n`,
    );
    // --config: the script lives outside the repository, whose package.json resolves npm imports.
    const config = new URL("../deno.json", import.meta.url).pathname;
    const out = execFileSync(process.execPath, ["run", "--allow-read", "--config", config, script], {
      cwd: dirname(new URL(import.meta.url).pathname),
      encoding: "utf8",
    });
    expect(JSON.parse(out)).toBe(
      "Deno refused to read /sys/class/powercap: it reads /sys only with all permissions; " +
        "run deno with -A (--allow-read is not enough for /sys)",
    );
  });
});
