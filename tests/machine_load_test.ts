import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import process from "node:process";
import {
  type CaseLoad,
  isLoaded,
  loadBetween,
  type LoadSnapshot,
  loadSnapshot,
  machineInfo,
  MIN_WINDOW_TICKS,
} from "../src/machine_load.ts";
import { tempDir } from "./support/temp.ts";

const scratch = tempDir();
let trees = 0;
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Aggregate `cpu` line: user nice system idle iowait irq softirq steal guest guest_nice. */
type CpuLine = [number, number, number, number, number, number, number, number, number, number];

interface FakeProc {
  cpu: CpuLine;
  /** utime, stime of this process. */
  self: [number, number];
  loadavg?: number;
}

/** A 2-CPU machine a while after boot; guest time (300) is already inside user. */
const BOOT: CpuLine = [10_000, 50, 4_000, 80_000, 200, 30, 70, 0, 300, 0];
const SELF: [number, number] = [400, 100];

/** A comm that breaks parsers which stop at the first ')': the kernel allows spaces and parentheses. */
const COMM = "bench) R 9 (x";

function fakeRoot(): string {
  const root = join(scratch, `root-${trees++}`);
  mkdirSync(join(root, "proc", "self"), { recursive: true });
  return root;
}

/** Writes /proc/stat, /proc/self/stat and /proc/loadavg in the kernel's formats. */
function writeProc(root: string, proc: FakeProc): void {
  const half = proc.cpu.map((n) => Math.floor(n / 2));
  const rest = proc.cpu.map((n, i) => n - half[i]);
  writeFileSync(
    join(root, "proc", "stat"),
    `cpu  ${proc.cpu.join(" ")}\ncpu0 ${half.join(" ")}\ncpu1 ${rest.join(" ")}\n` +
      "intr 1234567 9 0 0 0 0 0 0 0 1 0 0 0 0\nctxt 987654\nbtime 1700000000\nprocesses 4321\n" +
      "procs_running 2\nprocs_blocked 0\nsoftirq 55555 0 1111 2 333 44 0 5 666 0 777\n",
  );
  const [utime, stime] = proc.self;
  writeFileSync(
    join(root, "proc", "self", "stat"),
    `4242 (${COMM}) S 1 4242 4242 34816 4242 4194304 1234 0 0 0 ${utime} ${stime} 777 888 20 0 8 0 ` +
      "123456 1234567890 12345 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0\n",
  );
  writeFileSync(join(root, "proc", "loadavg"), `${proc.loadavg ?? 0.52} 0.58 0.59 2/1234 56789\n`);
}

/** `BOOT` plus `delta` tick by tick. */
function plus(delta: Partial<Record<keyof typeof FIELD, number>>): CpuLine {
  const line = [...BOOT] as CpuLine;
  for (const [name, n] of Object.entries(delta)) line[FIELD[name as keyof typeof FIELD]] += n;
  return line;
}

const FIELD = {
  user: 0,
  nice: 1,
  system: 2,
  idle: 3,
  iowait: 4,
  irq: 5,
  softirq: 6,
  steal: 7,
  guest: 8,
  guest_nice: 9,
};

/** The load between `BOOT`/`SELF` and `after`/`selfAfter`, read through two snapshots of one fake tree. */
function window(after: CpuLine, selfAfter: [number, number], loadavg = 1.5): CaseLoad {
  const root = fakeRoot();
  writeProc(root, { cpu: BOOT, self: SELF });
  const before = loadSnapshot(root);
  writeProc(root, { cpu: after, self: selfAfter, loadavg });
  return loadBetween(before, loadSnapshot(root));
}

describe("load snapshot", () => {
  test("reads the aggregate cpu line, our utime + stime past a tricky comm, and the 1-minute load", () => {
    const root = fakeRoot();
    writeProc(root, { cpu: BOOT, self: SELF, loadavg: 3.25 });
    const snap = loadSnapshot(root);
    expect(snap.cpu).toEqual({ total: 94_350, idle: 80_000, iowait: 200, steal: 0 });
    expect(snap.self_ticks).toBe(500);
    expect(snap.load_avg_1m).toBe(3.25);
    expect(typeof snap.time_ms).toBe("number");
  });

  test("kernels before steal time (4 fields) still read", () => {
    const root = fakeRoot();
    writeFileSync(join(root, "proc", "stat"), "cpu  100 0 50 850\ncpu0 100 0 50 850\n");
    expect(loadSnapshot(root).cpu).toEqual({ total: 1000, idle: 850, iowait: 0, steal: 0 });
  });

  test("missing files give nulls without throwing", () => {
    const snap = loadSnapshot(join(scratch, "no-such-root"));
    expect([snap.cpu, snap.self_ticks, snap.load_avg_1m]).toEqual([null, null, null]);
  });

  test("malformed files give nulls without throwing", () => {
    const root = fakeRoot();
    writeFileSync(join(root, "proc", "stat"), "cpu  100 x 50 850 0 0 0 0\n");
    writeFileSync(join(root, "proc", "self", "stat"), "4242 (short) S 1 2 3\n");
    writeFileSync(join(root, "proc", "loadavg"), "high 0.1 0.1\n");
    const snap = loadSnapshot(root);
    expect([snap.cpu, snap.self_ticks, snap.load_avg_1m]).toEqual([null, null, null]);
    writeFileSync(join(root, "proc", "stat"), "cpu0 100 0 50 850\n");
    writeFileSync(join(root, "proc", "self", "stat"), "4242 no parentheses S 1\n");
    writeFileSync(join(root, "proc", "loadavg"), "");
    const again = loadSnapshot(root);
    expect([again.cpu, again.self_ticks, again.load_avg_1m]).toEqual([null, null, null]);
  });
});

describe("load between snapshots", () => {
  test("others at exactly 20 % of 2 CPUs is not loaded; guest ticks are not counted twice", () => {
    // 200 ticks = 1 s on 2 CPUs; 100 busy, 60 of them ours; 50 guest ticks already inside user.
    const load = window(plus({ user: 70, system: 30, idle: 100, guest: 50 }), [445, 115]);
    expect(load).toEqual({
      load_avg_1m: 1.5,
      other_cpu_share: 0.2,
      steal_share: 0,
      iowait_share: 0,
      window_ticks: 200,
    });
    expect(isLoaded(load)).toBe(false);
  });

  test("others at 25 % is loaded", () => {
    const load = window(plus({ user: 70, system: 30, idle: 100 }), [440, 110]);
    expect(load.other_cpu_share).toBe(0.25);
    expect(isLoaded(load)).toBe(true);
  });

  test("steal above 5 % is loaded even when others are few", () => {
    const load = window(plus({ user: 60, system: 28, steal: 12, idle: 100 }), [478, 110]);
    expect([load.other_cpu_share, load.steal_share, load.window_ticks]).toEqual([0.06, 0.06, 200]);
    expect(isLoaded(load)).toBe(true);
  });

  test("iowait is its own share and not busy; irq time counts as others'", () => {
    const load = window(plus({ user: 90, irq: 5, softirq: 5, iowait: 30, idle: 170 }), [490, 100]);
    expect([load.other_cpu_share, load.iowait_share, load.window_ticks]).toEqual([0.033, 0.1, 300]);
    expect(isLoaded(load)).toBe(false);
  });

  test("shares are clamped to [0, 1] and rounded to 3 decimals", () => {
    // Our ticks ran ahead of the machine's (they are sampled differently): never a negative share.
    const ahead = window(plus({ user: 50, idle: 250 }), [470, 100]);
    expect([ahead.other_cpu_share, ahead.window_ticks]).toEqual([0, 300]);
    const third = window(plus({ user: 100, idle: 200 }), [400, 100]);
    expect(third.other_cpu_share).toBe(0.333);
  });

  test("a window under MIN_WINDOW_TICKS gives null shares and is not loaded", () => {
    expect(MIN_WINDOW_TICKS).toBe(10);
    const load = window(plus({ user: 7, steal: 2 }), [400, 100], 9.5);
    expect(load).toEqual({
      load_avg_1m: 9.5,
      other_cpu_share: null,
      steal_share: null,
      iowait_share: null,
      window_ticks: 9,
    });
    expect(isLoaded(load)).toBe(false);
  });

  test("without our own ticks, other_cpu_share is null but steal and iowait are judged", () => {
    const root = fakeRoot();
    writeProc(root, { cpu: BOOT, self: SELF });
    rmSync(join(root, "proc", "self", "stat"));
    const before = loadSnapshot(root);
    writeProc(root, { cpu: plus({ user: 100, steal: 20, idle: 80 }), self: SELF });
    rmSync(join(root, "proc", "self", "stat"));
    const load = loadBetween(before, loadSnapshot(root));
    expect([load.other_cpu_share, load.steal_share, load.window_ticks]).toEqual([null, 0.1, 200]);
    expect(isLoaded(load)).toBe(true);
  });

  test("without /proc everything is null and the window is empty", () => {
    const none: LoadSnapshot = loadSnapshot(join(scratch, "no-such-root"));
    const load = loadBetween(none, none);
    expect(load).toEqual({
      load_avg_1m: null,
      other_cpu_share: null,
      steal_share: null,
      iowait_share: null,
      window_ticks: 0,
    });
    expect(isLoaded(load)).toBe(false);
  });

  test.if(process.platform === "linux")("this machine: shares around 50 ms of busy work are sane", () => {
    const before = loadSnapshot();
    const start = performance.now();
    let x = 0;
    while (performance.now() - start < 50) x += Math.sqrt(x + 1);
    const after = loadSnapshot();
    expect(x).toBeGreaterThan(0);
    expect(after.time_ms).toBeGreaterThanOrEqual(before.time_ms + 50);
    const load = loadBetween(before, after);
    expect(load.window_ticks).toBeGreaterThanOrEqual(0);
    for (const share of [load.other_cpu_share, load.steal_share, load.iowait_share]) {
      if (share !== null) {
        expect(share).toBeGreaterThanOrEqual(0);
        expect(share).toBeLessThanOrEqual(1);
      }
    }
    expect(typeof isLoaded(load)).toBe("boolean");
  });
});

describe("machine info", () => {
  const realModel = os.cpus()[0]?.model?.trim() || null;

  test("reads the first model name and the governor", () => {
    const root = fakeRoot();
    writeFileSync(
      join(root, "proc", "cpuinfo"),
      "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n" +
        "model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz\nstepping\t: 7\n\n" +
        "processor\t: 1\nmodel name\t: Other CPU\n",
    );
    const cpufreq = join(root, "sys", "devices", "system", "cpu", "cpu0", "cpufreq");
    mkdirSync(cpufreq, { recursive: true });
    writeFileSync(join(cpufreq, "scaling_governor"), "performance\n");
    expect(machineInfo(root)).toEqual({
      cpu_model: "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz",
      cores: Math.max(1, os.cpus().length),
      governor: "performance",
    });
  });

  test("falls back to the runtime's CPU model and a null governor when the files are absent", () => {
    const root = fakeRoot();
    writeFileSync(
      join(root, "proc", "cpuinfo"),
      "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n",
    );
    const info = machineInfo(root);
    expect(info).toEqual({ cpu_model: realModel, cores: Math.max(1, os.cpus().length), governor: null });
    expect(info.cores).toBeGreaterThanOrEqual(1);
    expect(machineInfo(join(scratch, "no-such-root")).cpu_model).toBe(realModel);
  });
});
