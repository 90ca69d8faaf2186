/** The `/proc/locks` reader: the parser on kernel-format lines, then a real lock of a child. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  coversByte,
  deviceNumbers,
  locksOnFile,
  locksOnPath,
  parseProcLockLine,
  parseProcLocks,
  procDevice,
} from '../system/proc-locks.ts';

describe('proc-locks parser', () => {
  it('parses a POSIX lock on byte 0 as virtlockd holds it', () => {
    expect(parseProcLockLine('1: POSIX  ADVISORY  WRITE 14608 fe:00:2165415 0 0')).toEqual({
      id: 1, kind: 'POSIX', enforcement: 'ADVISORY', mode: 'WRITE', pid: 14608, dev: 'fe:00',
      inode: 2165415, start: 0, end: 0, blocked: false,
    });
  });

  it('parses OFD, FLOCK, EOF ranges and blocked waiters', () => {
    const locks = parseProcLocks([
      '2: OFDLCK ADVISORY  READ  -1 08:01:456 100 EOF',
      '3: FLOCK  ADVISORY  WRITE 77 00:1b:5 0 EOF',
      '3: -> FLOCK  ADVISORY  WRITE 78 00:1b:5 0 EOF',
      'not a lock line',
      '',
    ].join('\n'));
    expect(locks.map((l) => [l.kind, l.mode, l.pid, l.start, l.end, l.blocked])).toEqual([
      ['OFDLCK', 'READ', -1, 100, null, false],
      ['FLOCK', 'WRITE', 77, 0, null, false],
      ['FLOCK', 'WRITE', 78, 0, null, true],
    ]);
    expect(coversByte(locks[0]!, 99)).toBe(false);
    expect(coversByte(locks[0]!, 1 << 30)).toBe(true);
  });

  it('formats device numbers as the kernel does, large minors included', () => {
    expect(procDevice(0xfe00n)).toBe('fe:00');
    expect(deviceNumbers(0x0801)).toEqual({ major: 8, minor: 1 });
    // glibc's makedev(0x123003, 0xabc45).
    const dev = 0x45n | (0x003n << 8n) | (0xabc00n << 12n) | (0x123000n << 32n);
    expect(deviceNumbers(dev)).toEqual({ major: 0x123003, minor: 0xabc45 });
  });

  it('matches locks to a file by device and inode, skipping waiters', () => {
    const locks = parseProcLocks('1: POSIX ADVISORY WRITE 5 fe:00:42 0 0\n' +
      '1: -> POSIX ADVISORY WRITE 6 fe:00:42 0 0\n2: POSIX ADVISORY READ 7 fe:01:42 0 0');
    expect(locksOnFile(locks, { dev: 0xfe00, ino: 42 }).map((l) => l.pid)).toEqual([5]);
  });
});

describe('proc-locks on the real kernel', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('parses every line of the live /proc/locks and sees a child flock(1) lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockchart-proclocks-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'f');
    writeFileSync(file, '');
    const child = spawn('flock', ['--exclusive', '--no-fork', file, 'sleep', '30'],
      { stdio: 'ignore' });
    cleanups.push(() => child.kill('SIGKILL'));
    let held = locksOnPath(file);
    for (let i = 0; i < 200 && held.length === 0; i++) {
      await sleep(10);
      held = locksOnPath(file);
    }
    expect(held).toHaveLength(1);
    const live = readFileSync('/proc/locks', 'utf8');
    const lines = live.split('\n').filter((line) => line !== '');
    expect(parseProcLocks(live)).toHaveLength(lines.length);
    expect(held[0]).toMatchObject({ kind: 'FLOCK', mode: 'WRITE', inode: statSync(file).ino });
    // --no-fork: flock(1) locks, then execs `sleep` in place: the holder is our child.
    expect(held[0]!.pid).toBe(child.pid);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(locksOnPath(file)).toEqual([]);
  });
});
