/**
 * Fixtures for the kernel-lock tests: a temporary directory of disks whose kernel locks can be
 * counted, the processes a test started (to prove none outlives it), and driver shortcuts.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DriverConfig, LockDriver } from '../../contract/driver.ts';
import type { LockMode } from '../../contract/flags.ts';
import { LOCK_MANAGER_VERSION } from '../../contract/flags.ts';
import { afterEach, beforeEach, expect } from 'vitest';
import type { KernelDriver, KernelObject } from '../../drivers/kernel/kernel-driver.ts';
import { locksOnFile, readProcLocks, type ProcLock } from '../../system/proc-locks.ts';
import { createPosixDriver } from '../../drivers/posix/driver.ts';
import { AgentDirectory } from '../../drivers/kernel/supervisor/agents.ts';
import { trackPath } from '../../drivers/kernel/supervisor/cleanup.ts';
import { realSupervisor, type RealSupervisor } from '../../drivers/kernel/supervisor/real-supervisor.ts';
import { descendantsOf } from '../../drivers/kernel/supervisor/process-tree.ts';

export interface Sandbox {
  readonly dir: string;
  /** An existing disk file (8 KiB of zeros) named `<name>.img`. */
  disk(name: string): string;
  /** The kernel's locks on any file under the directory now. */
  locks(): ProcLock[];
  cleanup(): void;
}

export function sandbox(prefix = 'lockchart-test-'): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const untrack = trackPath(dir);
  mkdirSync(join(dir, 'disks'));
  return {
    dir,
    disk(name) {
      const path = join(dir, 'disks', `${name}.img`);
      writeFileSync(path, Buffer.alloc(8192), { flag: 'wx' });
      return path;
    },
    locks() {
      const all = readProcLocks();
      return filesUnder(dir).flatMap((file) => {
        try {
          return locksOnFile(all, lstatSync(file));
        } catch {
          return []; // unlinked meanwhile
        }
      });
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      untrack();
    },
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Snapshot of this process's descendants; `fresh()` lists those started since. */
export function processCensus(): { fresh(): number[] } {
  const before = new Set(descendantsOf());
  return { fresh: () => descendantsOf().filter((pid) => !before.has(pid)) };
}

export async function loaded<D extends LockDriver>(driver: D, config: DriverConfig = {}):
  Promise<D> {
  await driver.init(LOCK_MANAGER_VERSION, config, 0);
  return driver;
}

/** A driver object for `pid` declaring `disks`, as libvirtd builds one per call. */
export async function objectFor(
  driver: LockDriver<KernelObject>,
  pid: number,
  disks: ReadonlyArray<readonly [string, LockMode]>,
): Promise<KernelObject> {
  const params = { id: pid, name: `vm-${pid}`, pid };
  const object = await driver.create({ type: 0, params, flags: 0 });
  for (const [name, mode] of disks) await driver.addResource(object, { kind: 'disk', name, mode });
  return object;
}

export const ACQUIRE = { state: null, flags: 0, action: 0 } as const;

/** Polls `probe` until it returns true or `ms` pass; returns its last answer. */
export async function eventually(probe: () => boolean | Promise<boolean>, ms = 3000):
  Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** What `posixFixture` sets up afresh for every test. */
export interface PosixFixture {
  box: Sandbox;
  agents: AgentDirectory;
  /** Starts owner processes (supervisors without a VM). */
  supervisor: RealSupervisor;
  posix: KernelDriver;
}

/**
 * Registers a fresh sandbox, supervisor and loaded `posix` driver before every test of the file,
 * and after it kills the owners, deinits the driver and asserts that no process the test started
 * and no kernel lock on its files is left.
 */
export function posixFixture(): PosixFixture {
  const fixture = {} as PosixFixture;
  let census: ReturnType<typeof processCensus>;
  beforeEach(async () => {
    fixture.box = sandbox();
    census = processCensus();
    fixture.agents = new AgentDirectory();
    fixture.supervisor = realSupervisor({ agents: fixture.agents, vm: () => null });
    fixture.posix = await loaded(createPosixDriver({ agents: fixture.agents }));
  });
  afterEach(async () => {
    await fixture.supervisor.killAll();
    await fixture.posix.deinit();
    expect(census.fresh(), 'processes that outlived the test').toEqual([]);
    expect(fixture.box.locks(), 'kernel locks left on the test files').toEqual([]);
    fixture.box.cleanup();
  });
  return fixture;
}
