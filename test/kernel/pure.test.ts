/** The pure parts of the kernel-lock drivers and the supervisor: naming, /proc parsing, records. */
import { describe, expect, it } from 'vitest';
import { parseKernelConfig } from '../../drivers/kernel/config.ts';
import { diskTargets, sha256Hex } from '../../drivers/kernel/lock-target.ts';
import { identify, isAlive, parseStat } from '../../system/process-identity.ts';
import { exitKind } from '../../drivers/kernel/supervisor/real-supervisor.ts';
import { parseRecords, writerRuns } from '../../drivers/kernel/supervisor/records.ts';

describe('lock targets', () => {
  const disk = { kind: 'disk', name: '/img//a.img', mode: 'shared' } as const;

  it('lock the disk by its path as written in direct mode (the lock is on the file itself)', () => {
    expect(diskTargets(disk, '/real/a.img', null))
      .toEqual([{ path: '/img//a.img', resource: '/img//a.img', shared: true, autocreate: false }]);
  });

  it("lock libvirt's lease sha256(path as written) in indirect mode, after an alias lease " +
    'sha256(real path)', () => {
    const targets = diskTargets({ ...disk, mode: 'exclusive' }, '/real/a.img', '/locks');
    const lease = (text: string) => ({ path: `/locks/${sha256Hex(text)}`, resource: '/img//a.img',
      shared: false, autocreate: true });
    expect(targets).toEqual([lease('/real/a.img'), lease('/img//a.img')]);
    // libvirt's name byte for byte: virCryptoHashString's lower-case hex of the bytes as written
    // (known answer from coreutils: printf '%s' /img//a.img | sha256sum).
    expect(sha256Hex('/img//a.img'))
      .toBe('4936c4411b78e1f63443be18d2d5ac846718aa5a34a13bb317f35739eda70da5');
  });

  it('take one lease when the path as written is the real path', () => {
    expect(diskTargets(disk, '/img//a.img', '/locks')).toHaveLength(1);
  });
});

describe('configuration', () => {
  it('accepts lockspace_dir, its lockd synonym and declared numeric keys', () => {
    const config = { file_lockspace_dir: '/l', owner_poll_ms: 5 };
    expect(parseKernelConfig(config, ['owner_poll_ms'], 'ofd'))
      .toEqual({ lockspaceDir: '/l', numbers: { owner_poll_ms: 5 } });
    expect(() => parseKernelConfig({ lockspace_dir: '/a', file_lockspace_dir: '/b' }, [], 'ofd'))
      .toThrow(/disagree/);
  });
});

describe('process identity', () => {
  it('parses /proc/<pid>/stat even when the command name has spaces and parentheses', () => {
    const text = '42 (a) (b c) S 7 42 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 123456 0 0';
    expect(parseStat(text)).toEqual({ state: 'S', ppid: 7, startTime: 123456 });
  });

  it('knows this process, and refuses a reused pid (another start time) or a bad one', () => {
    const me = identify(process.pid)!;
    expect(isAlive(me)).toBe(true);
    expect(isAlive({ pid: process.pid, startTime: me.startTime + 1 })).toBe(false);
    expect(identify(0)).toBeNull();
    expect(identify(2 ** 22 + 1)).toBeNull();
  });
});

describe('records', () => {
  const line = (owner: number, writer: number, seq: number, t: number) =>
    `LCREC ${JSON.stringify({ owner, writer, seq, t: String(t) })}`;

  it('are read in file order, skipping zeros and foreign bytes', () => {
    const text = ['\0\0\0garbage', line(1, 10, 1, 5), line(2, 20, 1, 6), `\0${line(1, 10, 2, 7)}`,
      'LCREC {broken', 'image data'].join('\n');
    const records = parseRecords(text);
    expect(records.map((r) => [r.index, r.owner, r.writer, r.seq, r.time]))
      .toEqual([[0, 1, 10, 1, 5n], [1, 2, 20, 1, 6n], [2, 1, 10, 2, 7n]]);
  });

  it('group into runs of one writer: who wrote, in which order', () => {
    const records = parseRecords([line(1, 10, 1, 1), line(1, 10, 2, 2), line(2, 20, 1, 3),
      line(1, 10, 3, 4)].join('\n'));
    expect(writerRuns(records)).toEqual([
      { owner: 1, writer: 10, first: 0, last: 1, count: 2 },
      { owner: 2, writer: 20, first: 2, last: 2, count: 1 },
      { owner: 1, writer: 10, first: 3, last: 3, count: 1 },
    ]);
  });
});

describe('exit kinds', () => {
  it('are kill for SIGKILL, crash for other signals and failures, exit for status 0', () => {
    expect(exitKind({ code: null, signal: 'SIGKILL' })).toBe('kill');
    expect(exitKind({ code: null, signal: 'SIGSEGV' })).toBe('crash');
    expect(exitKind({ code: 130, signal: null })).toBe('crash');
    expect(exitKind({ code: 0, signal: null })).toBe('exit');
  });
});
