/**
 * The POSIX trap at driver level (reference §3, §6 #5): a process-owned fcntl lock is dropped by
 * the kernel as soon as its process closes *any* descriptor of the file. A driver that holds
 * POSIX locks inside one long-lived process (`posix-naive`) therefore loses a lock whenever
 * anything in that process opens and closes the disk, and another process can then take it.
 * OFD locks belong to their own descriptor and survive; the real `posix` driver keeps its locks
 * in the owner's supervisor, where nothing else opens the file, so the driver's process can
 * open and close the disk freely — but the trap still bites if the supervisor itself does it.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { identity } from '../../contract/identity.ts';
import { createOfdDriver } from '../../drivers/ofd/driver.ts';
import { createNaivePosixDriver } from '../../drivers/posix/naive.ts';
import { ACQUIRE, loaded, objectFor, posixFixture } from './helpers.ts';

const fixture = posixFixture();

/** Whether another process (a supervisor through the posix driver) can lock the disk now. */
async function outsiderCanLock(disk: string): Promise<boolean> {
  const pid = await fixture.supervisor.start(identity(9000));
  try {
    await fixture.posix.acquire(
      await objectFor(fixture.posix, pid, [[disk, 'exclusive']]), ACQUIRE);
    return true;
  } catch {
    return false;
  } finally {
    await fixture.supervisor.kill(pid);
  }
}

/** What any library in this process might do: read the disk through a descriptor of its own. */
function touch(disk: string): void {
  closeSync(openSync(disk, 'r'));
  readFileSync(disk);
}

describe('held in this long-lived process', () => {
  it('posix-naive loses its lock when this process opens and closes the disk', async () => {
    const naive = await loaded(createNaivePosixDriver());
    const disk = fixture.box.disk('x');
    await naive.acquire(await objectFor(naive, process.pid, [[disk, 'exclusive']]), ACQUIRE);
    expect(fixture.box.locks().map((lock) => lock.pid)).toEqual([process.pid]);
    expect(await outsiderCanLock(disk)).toBe(false);
    touch(disk);
    expect(fixture.box.locks(), 'the kernel dropped the lock silently').toEqual([]);
    expect(await outsiderCanLock(disk)).toBe(true);
    // The driver still believes it holds the lock: its table and the kernel now disagree.
    expect(naive.backend().table.held().map((held) => held.path)).toEqual([disk]);
    await naive.deinit();
  });

  it('ofd keeps its lock however often this process opens and closes the disk', async () => {
    const ofd = await loaded(createOfdDriver());
    const disk = fixture.box.disk('x');
    await ofd.acquire(await objectFor(ofd, process.pid, [[disk, 'exclusive']]), ACQUIRE);
    for (let i = 0; i < 5; i++) touch(disk);
    expect(fixture.box.locks().map((lock) => [lock.kind, lock.mode]))
      .toEqual([['OFDLCK', 'WRITE']]);
    expect(await outsiderCanLock(disk)).toBe(false);
    await ofd.deinit();
  });
});

describe('held by the owner\'s supervisor (the posix driver)', () => {
  it('keeps the lock when the driver\'s process opens and closes the disk', async () => {
    const disk = fixture.box.disk('x');
    const owner = await fixture.supervisor.start(identity(1));
    await fixture.posix.acquire(
      await objectFor(fixture.posix, owner, [[disk, 'exclusive']]), ACQUIRE);
    for (let i = 0; i < 5; i++) touch(disk);
    expect(fixture.box.locks().map((lock) => lock.pid)).toEqual([owner]);
    expect(await outsiderCanLock(disk)).toBe(false);
  });

  it('loses it when the supervisor itself opens and closes the disk (a fault)', async () => {
    const disk = fixture.box.disk('x');
    const owner = await fixture.supervisor.start(identity(1));
    await fixture.posix.acquire(
      await objectFor(fixture.posix, owner, [[disk, 'exclusive']]), ACQUIRE);
    await fixture.supervisor.process(owner)!.openClose(disk);
    expect(fixture.box.locks()).toEqual([]);
    expect(await outsiderCanLock(disk)).toBe(true);
  });
});
