/**
 * The slow tier of the kernel-lock real mode: longer random runs over several seeds with every
 * fault these drivers make real (but those the model itself calls unsafe), which must end
 * without a finding; and Ctrl-C to a `lockchart sim --real` child, after which none of its
 * processes, locks or files may be left.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identify } from '../../system/process-identity.ts';
import { procDevice } from '../../system/proc-locks.ts';
import { trackProcess } from '../../drivers/kernel/supervisor/cleanup.ts';
import { descendantsOf } from '../../drivers/kernel/supervisor/process-tree.ts';
import { kernelBackend, type KernelDriverName } from '../../real/kernel/backend.ts';
import { runReal } from '../../real/runner.ts';
import type { DiskIdentity } from '../../real/kernel/world.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { eventually } from '../kernel/helpers.ts';
import { leftovers, locksOn } from '../real/kernel-support.ts';

/** Every fault the drivers make real, except those the model itself is unsafe under. */
const FAULTS: readonly FaultName[] = ['process-crash', 'process-kill', 'acquire-fails',
  'release-fails', 'partial-acquire', 'host-crash', 'path-alias', 'image-probe'];

describe('long real-mode runs', () => {
  const cases: ReadonlyArray<[KernelDriverName, readonly FaultName[]]> = [
    ['ofd', FAULTS],
    ['posix', [...FAULTS, 'libvirtd-restart']],
  ];
  for (const [name, faults] of cases) {
    it(`${name}: seeds 1–4, 300 steps each, no finding`, async () => {
      for (const seed of [1, 2, 3, 4]) {
        const census = leftovers();
        const backend = kernelBackend(name);
        const result = await runReal({ backend,
          source: { kind: 'random', seed, steps: 300, faults } });
        census.check(backend);
        expect(result.findings, `seed ${seed}`).toEqual([]);
        expect(result.violation, `seed ${seed}`).toBeNull();
        expect(result.steps).toBeGreaterThanOrEqual(300);
      }
    });
  }
});

const BIN = new URL('../../bin/lockchart.mjs', import.meta.url).pathname;

/** The kernel worlds under the temporary directory now, with their disks' identities. */
function kernelWorlds(): Map<string, DiskIdentity[]> {
  const worlds = new Map<string, DiskIdentity[]>();
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith('lockchart-real-kernel-'))) {
    const shared = join(tmpdir(), name, 'shared');
    try {
      worlds.set(name, readdirSync(shared).map((file) => {
        const stat = statSync(join(shared, file), { bigint: true });
        return { dev: procDevice(stat.dev), inode: Number(stat.ino) };
      }));
    } catch {
      worlds.set(name, []); // being made or removed right now
    }
  }
  return worlds;
}

describe('Ctrl-C to lockchart sim --real', () => {
  it('leaves no process, lock or file behind', async () => {
    const before = new Set(kernelWorlds().keys());
    const child = spawn(process.execPath, [BIN, 'sim', '--real', '--driver', 'posix-naive',
      '--steps', '1000000', '--seed', '3'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const untrack = trackProcess(identify(child.pid!)!);
    const exited = new Promise<string | null>((resolve) =>
      child.once('exit', (_, how) => resolve(how)));
    try {
      // Running: its supervisors, stand-ins and host processes are up and its world exists.
      expect(await eventually(() => descendantsOf(child.pid!).length >= 6, 20_000)).toBe(true);
      const worlds = [...kernelWorlds()].filter(([name]) => !before.has(name));
      expect(worlds.length).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = descendantsOf(child.pid!);
      child.kill('SIGINT');
      expect(await exited).toBe('SIGINT');
      expect(await eventually(() => started.every((pid) => identify(pid) === null))).toBe(true);
      expect(kernelWorlds().has(worlds[0]![0])).toBe(false);
      expect(locksOn(worlds[0]![1])).toEqual([]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      untrack();
    }
  });
});
