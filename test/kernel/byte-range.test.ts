/**
 * Why the posix driver uses fs-ext-extra-prebuilt (see docs/decisions/kernel-locks.md): both
 * kernel-lock drivers must lock byte 0, length 1 — where virtlockd locks — and nothing else, so
 * QEMU's own image locks (OFD locks from byte 100 on) stay takeable by the VM process. fs-ext
 * 2.1.1's working (async) fcntl can only lock the whole file, which would block them.
 */
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { identity } from '../../contract/identity.ts';
import { createOfdDriver } from '../../drivers/ofd/driver.ts';
import { ACQUIRE, loaded, objectFor, posixFixture } from './helpers.ts';

const require = createRequire(import.meta.url);
const ofdLocks = require('fs-native-extensions') as {
  tryLock(fd: number, offset: number, length: number, options?: { shared?: boolean }): boolean;
  unlock(fd: number, offset: number, length: number): void;
};
const fsExt = require('fs-ext') as {
  fcntl(fd: number, cmd: string, arg: number, callback: (error: Error | null) => void): void;
  constants: { F_WRLCK: number; F_UNLCK: number };
};

const fixture = posixFixture();

/** A QEMU-style image lock probe from this process: OFD write lock on one byte, then undone. */
function canLockByte(disk: string, offset: number): boolean {
  const fd = openSync(disk, 'r+');
  try {
    const got = ofdLocks.tryLock(fd, offset, 1);
    if (got) ofdLocks.unlock(fd, offset, 1);
    return got;
  } finally {
    closeSync(fd);
  }
}

describe('byte 0, length 1', () => {
  it('posix: a supervisor holds byte 0 only; another process can still lock byte 100', async () => {
    const disk = fixture.box.disk('x');
    const owner = await fixture.supervisor.start(identity(1));
    await fixture.posix.acquire(
      await objectFor(fixture.posix, owner, [[disk, 'exclusive']]), ACQUIRE);
    expect(fixture.box.locks().map((l) => [l.kind, l.pid, l.start, l.end]))
      .toEqual([['POSIX', owner, 0, 0]]);
    expect(canLockByte(disk, 100)).toBe(true);
    expect(canLockByte(disk, 200)).toBe(true);
    expect(canLockByte(disk, 0)).toBe(false);
  });

  it('ofd: the same range, so byte 100 stays free', async () => {
    const ofd = await loaded(createOfdDriver());
    const disk = fixture.box.disk('x');
    await ofd.acquire(await objectFor(ofd, process.pid, [[disk, 'shared']]), ACQUIRE);
    expect(fixture.box.locks().map((l) => [l.kind, l.mode, l.start, l.end]))
      .toEqual([['OFDLCK', 'READ', 0, 0]]);
    expect(canLockByte(disk, 100)).toBe(true);
    expect(canLockByte(disk, 0)).toBe(false);
    await ofd.deinit();
  });

  it('fs-ext 2.1.1 (the rejected option) locks the whole file and so blocks byte 100', async () => {
    const disk = fixture.box.disk('x');
    const fd = openSync(disk, 'r+');
    try {
      await new Promise<void>((resolve, reject) => fsExt.fcntl(fd, 'setlk',
        fsExt.constants.F_WRLCK, (error) => (error ? reject(error) : resolve())));
      expect(fixture.box.locks().map((l) => [l.kind, l.start, l.end]))
        .toEqual([['POSIX', 0, null]]);
      expect(canLockByte(disk, 100)).toBe(false);
    } finally {
      closeSync(fd);
    }
  });
});
