/**
 * Which file the kernel-lock drivers lock, and the typed errors on the way: canonical paths,
 * the indirect lockspace (mode 0700, files 0600 named by SHA-256, no symlink followed, removed on
 * the last release), the refusal of unsafe lockspaces, and bad disk paths.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, linkSync, mkdirSync, realpathSync, statSync, symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LockMode } from '../../contract/flags.ts';
import { sha256Hex } from '../../drivers/kernel/lock-target.ts';
import { createOfdDriver, type OfdDriver } from '../../drivers/ofd/driver.ts';
import { locksOnPath } from '../../system/proc-locks.ts';
import { ACQUIRE, loaded, objectFor, sandbox, type Sandbox } from './helpers.ts';
import { failure } from '../helpers/lock-error.ts';

let box: Sandbox;
let ofd: OfdDriver | null;

beforeEach(() => {
  box = sandbox();
  ofd = null;
});

afterEach(async () => {
  await ofd?.deinit();
  expect(box.locks()).toEqual([]);
  box.cleanup();
});

/** Whether this file system lets root set the immutable flag (ext4 does; tmpfs does not). */
function canMakeImmutable(): boolean {
  const probe = sandbox('lockchart-chattr-');
  const file = probe.disk('probe');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    probe.cleanup();
  }
}

async function driver(config: Record<string, unknown> = {}): Promise<OfdDriver> {
  ofd = await loaded(createOfdDriver(), config);
  return ofd;
}


async function acquire(d: OfdDriver, disks: ReadonlyArray<readonly [string, LockMode]>) {
  return d.acquire(await objectFor(d, process.pid, disks), ACQUIRE);
}

describe('direct mode', () => {
  it("locks the path as written, on the file itself: `..`, `//`, a symlink and a hard link " +
    'are one lock', async () => {
      const d = await driver();
      const x = box.disk('x');
      const link = join(box.dir, 'link.img');
      symlinkSync(x, link);
      const hard = join(box.dir, 'hard.img');
      linkSync(x, hard);
      await acquire(d, [[link, 'exclusive']]);
      expect(locksOnPath(x).map((l) => [l.kind, l.mode])).toEqual([['OFDLCK', 'WRITE']]);
      for (const alias of [`${box.dir}/disks/../disks/x.img`, `/${x}`, x, hard]) {
        const error = await failure(acquire(d, [[alias, 'exclusive']]));
        expect(error.code, alias).toBe('RESOURCE_BUSY');
      }
    });

  it('never locks read-only disks', async () => {
    const d = await driver();
    await acquire(d, [[box.disk('x'), 'readonly']]);
    expect(box.locks()).toEqual([]);
  });

  it('records each shared acquire by the same owner; the last release frees the file', async () => {
    const d = await driver();
    const x = box.disk('x');
    await acquire(d, [[x, 'shared']]);
    await acquire(d, [[x, 'shared']]);
    const object = await objectFor(d, process.pid, [[x, 'shared']]);
    await d.release(object, 0);
    expect(locksOnPath(x)).toHaveLength(1);
    await d.release(object, 0);
    expect(locksOnPath(x)).toEqual([]);
    expect((await failure(d.release(object, 0))).code).toBe('RESOURCE_BUSY');
  });

  it('gives typed errors for bad disk paths', async () => {
    const d = await driver();
    const object = await objectFor(d, process.pid, []);
    const add = (name: string) => d.addResource(object, { kind: 'disk', name, mode: 'exclusive' });
    expect((await failure(add('relative/x.img'))).code).toBe('INVALID_ARG');
    // As in libvirt, a direct disk is named, not opened, when added: a missing one fails later.
    await add(join(box.dir, 'missing.img'));
    const missing = await failure(d.acquire(object, ACQUIRE));
    expect([missing.code, missing.errno]).toEqual(['SYSTEM_ERROR', 2]);
    const second = await objectFor(d, process.pid, []);
    mkdirSync(join(box.dir, 'dir.img'));
    await d.addResource(second, { kind: 'disk', name: join(box.dir, 'dir.img'), mode: 'exclusive' });
    const directory = await failure(d.acquire(second, ACQUIRE));
    expect([directory.code, directory.errno]).toEqual(['SYSTEM_ERROR', 21]);
  });

  it('gives typed errors in indirect mode, where the alias lease needs the real path', async () => {
    const d = await driver({ lockspace_dir: join(box.dir, 'lockspace') });
    const object = await objectFor(d, process.pid, []);
    const missing = await failure(d.addResource(object,
      { kind: 'disk', name: join(box.dir, 'missing.img'), mode: 'exclusive' }));
    expect([missing.code, missing.errno]).toEqual(['SYSTEM_ERROR', 2]);
  });

  const root = process.getuid?.() === 0;
  const immutable = !root || canMakeImmutable();
  if (!immutable) console.log('skipped: running as root on a file system without chattr +i');
  it.runIf(immutable)('reports a permission error with its errno', async () => {
    const d = await driver();
    const x = box.disk('x');
    // root bypasses file modes; an immutable file refuses writers even to root (EPERM).
    if (root) execFileSync('chattr', ['+i', x]);
    else chmodSync(x, 0o000);
    try {
      const error = await failure(acquire(d, [[x, 'exclusive']]));
      expect([error.code, error.errno]).toEqual(['SYSTEM_ERROR', root ? 1 : 13]);
    } finally {
      if (root) execFileSync('chattr', ['-i', x]);
    }
  });
});

describe('leases', () => {
  it('lock <path>/<lockspace>/<key>, which must exist; offset 0 only; keys are file names',
    async () => {
      const d = await driver();
      mkdirSync(join(box.dir, 'space'));
      const file = join(box.dir, 'space', 'key1');
      writeFileSync(file, '');
      const object = await objectFor(d, process.pid, []);
      const lease = (name: string, offset: number) => d.addResource(object,
        { kind: 'lease', name, mode: 'exclusive', lease: { path: box.dir, offset,
          lockspace: 'space' } });
      await lease('key1', 0);
      await d.acquire(object, ACQUIRE);
      expect(locksOnPath(file)).toHaveLength(1);
      await d.release(object, 0);
      expect((await failure(lease('key1', 512))).code).toBe('CONFIG_UNSUPPORTED');
      expect((await failure(lease('../key1', 0))).code).toBe('INVALID_ARG');
      const missing = await objectFor(d, process.pid, []);
      await d.addResource(missing, { kind: 'lease', name: 'nokey', mode: 'exclusive',
        lease: { path: box.dir, offset: 0, lockspace: 'space' } });
      const error = await failure(d.acquire(missing, ACQUIRE));
      expect([error.code, error.errno]).toEqual(['SYSTEM_ERROR', 2]);
    });
});

describe('indirect mode (lockspace_dir)', () => {
  it("creates the lockspace 0700 and locks 0600 files named by the SHA-256 of the path as " +
    "written (libvirt's) and of the real path (the alias lease)", async () => {
      const lockspace = join(box.dir, 'lockspace');
      const d = await driver({ lockspace_dir: lockspace });
      expect(statSync(lockspace).mode & 0o777).toBe(0o700);
      const x = box.disk('x');
      const link = join(box.dir, 'link.img');
      symlinkSync(x, link);
      await acquire(d, [[link, 'exclusive']]);
      const libvirts = join(lockspace, sha256Hex(link));
      const alias = join(lockspace, sha256Hex(realpathSync(x)));
      for (const file of [libvirts, alias]) {
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(locksOnPath(file).map((l) => [l.kind, l.mode, l.start, l.end]))
          .toEqual([['OFDLCK', 'WRITE', 0, 0]]);
      }
      expect(locksOnPath(x)).toEqual([]);
      // Another spelling takes its own libvirt lease but meets the alias lease: refused, and
      // its own lease is rolled back (gone: nothing else is left locked).
      expect((await failure(acquire(d, [[x, 'shared']]))).code).toBe('RESOURCE_BUSY');
      expect((await failure(acquire(d, [[`/${x}`, 'exclusive']]))).code).toBe('RESOURCE_BUSY');
      expect(existsSync(join(lockspace, sha256Hex(`/${x}`)))).toBe(false);
      await d.release(await objectFor(d, process.pid, [[link, 'exclusive']]), 0);
      expect(existsSync(libvirts), 'the last release removes the lock files').toBe(false);
      expect(existsSync(alias)).toBe(false);
    });

  it('does not follow a symlink planted in the lockspace', async () => {
    const lockspace = join(box.dir, 'lockspace');
    const d = await driver({ lockspace_dir: lockspace });
    const x = box.disk('x');
    const victim = join(box.dir, 'victim');
    symlinkSync(victim, join(lockspace, sha256Hex(x)));
    const error = await failure(acquire(d, [[x, 'exclusive']]));
    expect([error.code, error.errno]).toEqual(['SYSTEM_ERROR', 40]);
    expect(existsSync(victim)).toBe(false);
  });

  it('refuses a lockspace that is a symlink, not private, or not ours', async () => {
    const real = join(box.dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    const link = join(box.dir, 'link');
    symlinkSync(real, link);
    const open = join(box.dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    const cases: Array<[string, RegExp]> = [[link, /symbolic link/], [open, /mode 0755/],
      ['relative', /absolute/]];
    const file = join(box.dir, 'file');
    writeFileSync(file, '');
    cases.push([file, /not a directory/]);
    if (process.getuid?.() === 0) {
      const theirs = join(box.dir, 'theirs');
      mkdirSync(theirs, { mode: 0o700 });
      chownSync(theirs, 65534, 65534);
      cases.push([theirs, /owned by uid 65534/]);
    }
    for (const [dir, why] of cases) {
      const error = await failure(createOfdDriver().init(1_000_000, { lockspace_dir: dir }, 0));
      expect(error.code, dir).toBe('CONFIG_UNSUPPORTED');
      expect(error.message, dir).toMatch(why);
    }
  });
});

describe('configuration', () => {
  it('rejects unknown keys and wrongly typed values', async () => {
    for (const config of [{ colour: 'blue' }, { lockspace_dir: 7 }, { owner_poll_ms: -1 }]) {
      const error = await failure(createOfdDriver().init(1_000_000, config, 0));
      expect(error.code, JSON.stringify(config)).toBe('INVALID_ARG');
    }
  });
});
