/**
 * Reference §6 #21 on real kernel locks: the AUTOCREATE unlink-vs-create race. A holder's last
 * release unlinks the lease file while still holding its lock; a second acquirer that opened the
 * file just before then locks an inode nobody else can find any more, and a third creates a new
 * file and locks that: two exclusive holders of one lease. virlockspace.c re-checks after
 * locking that the path still names the locked inode, and retries; so does lockchart's
 * `openLocked` (`drivers/kernel/lock-file.ts`). Real OFD locks on real files, the race forced
 * by running the release exactly between the second acquirer's open and its lock.
 */
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync, statSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLocked, openLocked, stillNamed } from '../../drivers/kernel/lock-file.ts';
import type { LockTarget } from '../../drivers/kernel/lock-target.ts';
import { ofdPrimitive, type LockPrimitive } from '../../drivers/kernel/primitives.ts';

const context = { operation: 'acquire', driver: 'ofd' };
let dir = '';
const fds: number[] = [];

function lease(): LockTarget {
  dir = mkdtempSync(join(tmpdir(), 'lockchart-race-'));
  return { path: join(dir, 'lease'), resource: '/images/a.img', shared: false, autocreate: true };
}

afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('§6 #21: the AUTOCREATE unlink-vs-create race, on real OFD locks', () => {
  it('without the re-check, a lock taken on the unlinked file is a second exclusive holder', () => {
    const target = lease();
    const first = openLocked(target, ofdPrimitive, context)!;
    const stale = openSync(target.path, constants.O_RDWR); // the second acquirer's open
    fds.push(stale);
    closeLocked(target, first, ofdPrimitive); // the first's last release unlinks the file
    expect(ofdPrimitive.tryLock(stale, false)).toBe(true); // locks the unlinked inode
    expect(stillNamed(stale, target.path)).toBe(false);
    const third = openLocked(target, ofdPrimitive, context);
    expect(third).not.toBeNull(); // a new file, a new lock: both "hold" the lease exclusively
    fds.push(third!);
  });

  it('with it, the acquirer that lost the race retries on the new file and holds the lease', () => {
    const target = lease();
    const first = openLocked(target, ofdPrimitive, context)!;
    let raced = false;
    // The real primitive, with the first holder's release run between open and lock.
    const racing: LockPrimitive = {
      name: 'ofd',
      tryLock(fd, shared) {
        if (!raced) {
          raced = true;
          closeLocked(target, first, ofdPrimitive);
        }
        return ofdPrimitive.tryLock(fd, shared);
      },
      unlock: (fd) => ofdPrimitive.unlock(fd),
    };
    const second = openLocked(target, racing, context)!;
    fds.push(second);
    expect(raced).toBe(true);
    expect(stillNamed(second, target.path)).toBe(true);
    expect(fstatSync(second).ino).toBe(statSync(target.path).ino);
    expect(openLocked(target, ofdPrimitive, context)).toBeNull(); // the third is refused
  });
});
