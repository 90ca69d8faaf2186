/**
 * Nothing a `libvirt-lockd` real-mode run starts outlives it — counted: under a private parent
 * directory, its processes (helpers name it on their command lines, VM stand-ins and daemons
 * run in it or name it), its UNIX sockets, directories and the kernel locks its daemons held.
 * After a run with faults, after SIGINT to `lockchart sim --real --driver libvirt-lockd`, and
 * after SIGKILL of it (parent-death signals: the directory is then left, and removed here).
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { libvirtBackend } from '../../real/libvirt/backend.ts';
import { runReal } from '../../real/runner.ts';
import { isToolCache } from '../leak-guard.ts';
import { describeLibvirt } from './libvirt-support.ts';
import { waitUntil } from './lockd-support.ts';
import { census as count, censusOnFirstLock, NOTHING, Parents, startRealRun, stopRun }
  from './run-census.ts';

const parents = new Parents();
afterAll(() => parents.remove());

/** virtlockd and the helpers are all processes here: no daemons counted apart. */
const census = (parent: string, seen = new Set<number>()) => count(parent, seen);
const nothing = NOTHING;
const privateParent = () => parents.make();

/** Starts `lockchart sim --real --driver libvirt-lockd` under `parent`; resolves once it holds locks. */
function busyRun(parent: string, seen: Set<number>) {
  return startRealRun('libvirt-lockd', 'process-crash,daemon-reexec', parent, () => {
    const now = census(parent, seen);
    return now.locks > 0 && now.processes > 4;
  }, 'the run to hold locks with its daemons, helpers and VMs');
}

describeLibvirt('libvirt-lockd real mode leaves nothing behind', () => {
  it('after a run with faults: no process, socket, directory or lock of it is left', async () => {
    const parent = privateParent();
    const seen = new Set<number>();
    const backend = libvirtBackend({ parentDir: parent });
    const firstLocked = censusOnFirstLock(backend, () => census(parent, seen));
    await runReal({ backend, keepGoing: true, source: { kind: 'random', seed: 4, steps: 200,
      faults: ['process-crash', 'daemon-crash', 'daemon-reexec', 'connection-drop',
        'host-crash', 'libvirtd-restart'] } });
    const during = firstLocked();
    console.log('libvirt-lockd real run, during:', during, 'after:', census(parent, seen));
    expect(during!.processes).toBeGreaterThan(4); // 2 daemons, 4 helpers, VMs
    expect(during!.locks).toBeGreaterThan(0);
    expect(census(parent, seen)).toEqual(nothing);
  });

  it('after SIGINT to `lockchart sim --real --driver libvirt-lockd`: nothing either', async () => {
    const parent = privateParent();
    const seen = new Set<number>();
    const stopped = await stopRun(await busyRun(parent, seen), 'SIGINT', () => census(parent, seen));
    console.log('lockchart sim --real, before SIGINT:', stopped.before, 'after:', stopped.after);
    expect(stopped.ended).toBe('SIGINT');
    expect(stopped.after).toEqual(nothing);
  });

  it('after SIGKILL of it: no process, socket or lock (its directory is left to remove)',
    async () => {
      const parent = privateParent();
      const seen = new Set<number>();
      const { child, exited } = await busyRun(parent, seen);
      const during = census(parent, seen);
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await waitUntil(() => {
        const now = census(parent, seen);
        return now.processes === 0 && now.locks === 0 && now.sockets === 0;
      }, 'every process, lock and socket of the killed run to go', 10_000);
      console.log('lockchart sim --real, before SIGKILL:', during, 'after:', census(parent, seen));
      for (const name of readdirSync(parent)) {
        if (!isToolCache(name)) rmSync(join(parent, name), { recursive: true, force: true });
      }
      expect(census(parent, seen)).toEqual(nothing);
    });
});
