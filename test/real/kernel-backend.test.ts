/**
 * The ofd and posix real-mode backends, action by action, with real supervised processes and
 * real kernel locks: contention across hosts and spellings, what `/proc/locks` shows, the
 * guest's own tries at the lock, writes read back from the disks, every way a process ends,
 * a host crash. Each test proves that nothing it started is left: no process, no lock, no file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kernelBackend, type KernelBackend } from '../../real/kernel/backend.ts';
import type { RealReply } from '../../real/backend.ts';
import { leftovers, use } from './kernel-support.ts';

const code = (reply: RealReply) => (reply.ok ? 'ok' : reply.code);
const shape = { hosts: 2, vms: 4, disks: 2 };

for (const name of ['ofd', 'posix'] as const) {
  describe(`the ${name} backend`, () => {
    let backend: KernelBackend;
    let census: ReturnType<typeof leftovers>;
    /** The model pid a POSIX lock shows (the supervisor holds it); OFD locks show nobody. */
    const holder = (pid: number) => (name === 'posix' ? pid : null);

    beforeEach(async () => {
      census = leftovers();
      backend = kernelBackend(name, { poolSize: 2 });
      await backend.setup(shape);
    });

    afterEach(async () => {
      await backend.teardown();
      census.check(backend);
    });

    async function started(pid: number, host: number, disks = [use(0)]) {
      await backend.launch(pid, host, disks);
      expect(code(await backend.register(pid, disks))).toBe('ok');
      return code(await backend.lockCall('acquire', host, pid, disks, null));
    }

    it('excludes across hosts and spellings, and shows what the kernel holds', async () => {
      expect(await started(100, 0)).toBe('ok');
      expect(await backend.observe())
        .toEqual([{ disk: 0, mode: 'exclusive', holder: holder(100) }]);
      // The by-id symlink and the doubled slash are the same file: the same lock.
      expect(await started(101, 1, [use(0, 'exclusive', 2)])).toBe('RESOURCE_BUSY');
      expect(await started(102, 0, [use(0, 'exclusive', 1)])).toBe('RESOURCE_BUSY');
      expect(await started(103, 1, [use(1, 'shared')])).toBe('ok');
      expect(code(await backend.lockCall('acquire', 0, 102, [use(1, 'shared', 1)], null)))
        .toBe('ok');
      const observed = await backend.observe();
      expect(observed.filter((lock) => lock.disk === 1).map((lock) => lock.mode))
        .toEqual(['shared', 'shared']);
      expect(code(await backend.lockCall('release', 1, 101, [use(0)], null)))
        .toBe('INTERNAL_ERROR');
      // The guest can neither take nor drop its own lock; its writes are read back.
      await backend.cont(100);
      for (const op of ['acquire', 'release'] as const) {
        const reply = await backend.rogueCall(100, op, use(0));
        expect(code(reply), op).toBe('OPERATION_DENIED');
      }
      expect((await backend.observe()).filter((lock) => lock.disk === 0))
        .toEqual([{ disk: 0, mode: 'exclusive', holder: holder(100) }]);
      await backend.write(100, 0);
      await backend.stop(100);
      await backend.write(100, 0); // paused: the stand-in refuses, no record
      await backend.cont(100);
      await backend.write(100, 0);
      expect(await backend.records()).toEqual([{ disk: 0, pid: 100 }, { disk: 0, pid: 100 }]);
    });

    it('drops the locks of a process however it ends, and of a crashed host', async () => {
      const hows = ['term', 'kill', 'crash'] as const;
      for (const [i, how] of hows.entries()) {
        const pid = 100 + i;
        expect(await started(pid, i % 2), how).toBe('ok');
        expect(backend.alive(pid)).toBe(true);
        await backend.end(pid, how);
        expect(backend.alive(pid), how).toBe(false);
        expect(await backend.observe(), how).toEqual([]);
        // A lock is never taken for the dead, nor released twice.
        expect(code(await backend.lockCall('acquire', i % 2, pid, [use(0)], null)))
          .toBe('OPERATION_INVALID');
        expect(code(await backend.lockCall('release', i % 2, pid, [use(0)], null)))
          .toBe('RESOURCE_BUSY');
      }
      expect(await started(110, 0)).toBe('ok');
      expect(await started(111, 1, [use(1)])).toBe('ok');
      await backend.hostCrash(0);
      expect([backend.alive(110), backend.alive(111)]).toEqual([false, true]);
      expect(await backend.observe())
        .toEqual([{ disk: 1, mode: 'exclusive', holder: holder(111) }]);
      expect(await started(112, 0)).toBe('ok');
    });
  });
}

describe('libvirtd restarting', () => {
  it('costs ofd every lock of the host (its lock table lives in libvirtd), posix none',
    async () => {
      for (const name of ['ofd', 'posix'] as const) {
        const census = leftovers();
        const backend = kernelBackend(name, { poolSize: 1 });
        await backend.setup({ hosts: 1, vms: 1, disks: 1 });
        try {
          await backend.launch(100, 0, [use(0)]);
          await backend.lockCall('acquire', 0, 100, [use(0)], null);
          await backend.probeImage(0, 0);
          await backend.libvirtdRestart(0);
          expect((await backend.observe()).length, name).toBe(name === 'ofd' ? 0 : 1);
        } finally {
          await backend.teardown();
        }
        census.check(backend);
      }
    });
});
