/**
 * Nothing a lockd real-mode run starts outlives it — counted, not assumed. Every run here makes
 * its files under a private parent directory, so its processes (owners and daemons name it on
 * their command lines), its UNIX sockets (bound inside it) and its temporary directories can be
 * counted before, during and after, with the kernel locks its daemons held. After a finished
 * run, and after SIGINT to a `lockchart sim --real --driver lockd` child, all are back to zero.
 */
import { afterAll, expect, it } from 'vitest';
import { lockdBackend } from '../../real/lockd/backend.ts';
import { runReal } from '../../real/runner.ts';
import { VIRTLOCKD_BINARY } from '../../daemons/virtlockd.ts';
import { describeVirtlockd } from './lockd-support.ts';
import { census as count, censusOnFirstLock, leftovers, NOTHING as nothing, Parents, startRealRun,
  stopRun, type Census } from './run-census.ts';

const parents = new Parents();
afterAll(() => parents.remove());

const census = (parent: string, seen = new Set<number>()) => count(parent, seen, VIRTLOCKD_BINARY);
const privateParent = () => parents.make();
/** Both daemons up, their owners running, locks held. */
const holding = (now: Census) => now.daemons === 2 && now.locks > 0 && now.processes > 4;

describeVirtlockd('lockd real mode leaves nothing behind', () => {
  it('after a run with faults: no process, socket, directory or lock of it is left', async () => {
    const parent = privateParent();
    const seen = new Set<number>();
    expect(census(parent, seen)).toEqual(nothing);
    const backend = lockdBackend({ parentDir: parent });
    const firstLocked = censusOnFirstLock(backend, () => census(parent, seen));
    await runReal({ backend, keepGoing: true, source: { kind: 'random', seed: 4, steps: 200,
      faults: ['process-crash', 'daemon-crash', 'daemon-reexec', 'connection-drop',
        'host-crash'] } });
    const during = firstLocked();
    console.log('lockd real run, during:', during, 'after:', census(parent, seen));
    expect(during).toMatchObject({ daemons: 2, sockets: expect.any(Number), dirs: 1 });
    expect(during!.processes).toBeGreaterThan(2); // daemons and owners
    expect(during!.locks).toBeGreaterThan(0);
    expect(census(parent, seen)).toEqual(nothing);
  });

  it.each([['SIGINT', 'process-crash,daemon-reexec'], ['SIGKILL', 'process-crash']] as const)(
    'after %s to `lockchart sim --real --driver lockd`: nothing (its reaper, after SIGKILL)',
    async (signal, faults) => {
      const parent = privateParent();
      const seen = new Set<number>();
      const run = await startRealRun('lockd', faults, parent,
        () => holding(census(parent, seen)), 'the run to hold locks with its daemons and owners');
      const stopped = await stopRun(run, signal, () => census(parent, seen));
      console.log(`lockchart sim --real, before ${signal}:`, stopped.before, 'after:',
        stopped.after, leftovers(parent));
      expect(stopped.ended).toBe(signal);
      expect(stopped.after).toEqual(nothing);
    });
});
