/**
 * The lockd driver against the real virtlockd, observed through the kernel (`/proc/locks`) and
 * the file system: direct and indirect naming, canonical paths, read-only disks, leases, config
 * and lifecycle errors, timeouts, and recovery after the daemon restarts empty.
 *
 * Owners here are synthetic pids above PID_MAX_LIMIT, acted for over the management connection
 * (libvirtd's side); owner processes and their own connections are in lockd-faults.test.ts.
 */
import {
  existsSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { identity } from '../../contract/identity.ts';
import { type LockError } from '../../contract/errors.ts';
import {
  AcquireFlags,
  LOCK_MANAGER_VERSION,
  ObjectType,
  ResourceType,
} from '../../contract/flags.ts';
import {
  createLockdDriver,
  type LockdDriver,
  type LockdObject,
} from '../../drivers/lockd/driver.ts';
import { LockdClient } from '../../drivers/lockd/client.ts';
import { sha256Hex } from '../../drivers/lockd/naming.ts';
import { neutralOwner, PID_MAX_LIMIT } from '../../drivers/lockd/owners.ts';
import { locksOnPath } from '../../system/proc-locks.ts';
import { validateResource, type ResourceSpec } from '../../contract/resources.ts';
import type { VirtlockdDaemon } from '../../daemons/virtlockd.ts';
import { describeVirtlockd, Scratch } from './lockd-support.ts';
import { failure } from '../helpers/lock-error.ts';

const scratch = new Scratch();
const drivers: LockdDriver[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((driver) => driver.deinit()));
  await scratch.release();
});

async function driverFor(config: Record<string, unknown>): Promise<LockdDriver> {
  const driver = createLockdDriver();
  drivers.push(driver);
  await driver.init(LOCK_MANAGER_VERSION, config, 0);
  return driver;
}

const disk = (path: string, flags = 0) => validateResource(ResourceType.DISK, path, flags);

async function objectFor(driver: LockdDriver, n: number, resources: ResourceSpec[]):
  Promise<LockdObject> {
  const pid = PID_MAX_LIMIT + 1000 + n;
  const object = await driver.create({ type: ObjectType.DOMAIN, params: { ...identity(pid), pid },
    flags: 0 });
  for (const resource of resources) await driver.addResource(object, resource);
  return object;
}

const take = (driver: LockdDriver, object: LockdObject, flags = 0) =>
  driver.acquire(object, { state: null, flags, action: 0 });


const heldBy = (daemon: VirtlockdDaemon, path: string) =>
  locksOnPath(path).filter((lock) => lock.pid === daemon.pid).map((lock) => lock.mode);

describeVirtlockd('lockd driver against virtlockd', () => {
  it('direct leases lock the disk itself (exclusive WRITE, shared READ) and keep it', async () => {
    const daemon = await scratch.daemon();
    const driver = await driverFor({ socket: daemon.socketPath });
    const [x, y] = [scratch.disk('x.img'), scratch.disk('y.img')];
    writeFileSync(x, 'precious data');
    const a = await objectFor(driver, 1, [disk(x), disk(y, 2)]);
    await take(driver, a);
    expect(heldBy(daemon, x)).toEqual(['WRITE']);
    expect(heldBy(daemon, y)).toEqual(['READ']);
    expect(await driver.inquire(a, 0)).toBeNull();
    expect(await driver.release(a, 0)).toBeNull();
    expect(heldBy(daemon, x)).toEqual([]);
    // Never AUTOCREATE on real disks: virtlockd would delete the image on release.
    expect(readFileSync(x, 'utf8')).toBe('precious data');
  });

  it("indirect leases live in a 0700 lockspace dir: libvirt's sha256(path as written) and the " +
    'alias lease sha256(real path)', async () => {
    const daemon = await scratch.daemon();
    const lockspace = join(daemon.dir, 'lockspace');
    const driver = await driverFor({ socket: daemon.socketPath, file_lockspace_dir: lockspace });
    expect(statSync(lockspace).mode & 0o777).toBe(0o700);
    const x = scratch.disk();
    const spelled = `/${x}`;
    const a = await objectFor(driver, 1, [disk(spelled)]);
    await take(driver, a);
    const libvirts = join(lockspace, sha256Hex(spelled));
    const alias = join(lockspace, sha256Hex(x));
    expect(heldBy(daemon, libvirts)).toEqual(['WRITE']);
    expect(heldBy(daemon, alias)).toEqual(['WRITE']);
    expect(heldBy(daemon, x)).toEqual([]);
    await driver.release(a, 0);
    expect(existsSync(libvirts)).toBe(false);
    expect(existsSync(alias)).toBe(false);
    expect(existsSync(x)).toBe(true);
  });

  it('direct leases take the path as written, after an alias lease in the alias lockspace',
    async () => {
      const daemon = await scratch.daemon();
      const driver = await driverFor({ socket: daemon.socketPath });
      const x = scratch.disk();
      const a = await objectFor(driver, 1, [disk(`/${x}`)]);
      await take(driver, a);
      const alias = join(daemon.dir, 'lockchart-aliases', sha256Hex(x));
      expect(heldBy(daemon, x)).toEqual(['WRITE']);
      expect(heldBy(daemon, alias)).toEqual(['WRITE']);
      // virtlockd's table holds the name as written: a raw client naming it is refused.
      const raw = await LockdClient.connect(daemon.socketPath,
        { register: neutralOwner('lockchart-test', 9) });
      try {
        expect((await failure(raw.call({ procedure: 'ACQUIRE_RESOURCE', path: '', name: `/${x}`,
          flags: 0 }))).message).toMatch(/is locked/);
      } finally {
        await raw.close();
      }
      await driver.release(a, 0);
      expect(existsSync(alias)).toBe(false);
    });

  it('alias locks: a symlink, a // and a /./ spelling exclude each other', async () => {
    const daemon = await scratch.daemon();
    const driver = await driverFor({ socket: daemon.socketPath });
    const x = scratch.disk();
    const link = join(scratch.dir(), 'link.img');
    symlinkSync(x, link);
    const a = await objectFor(driver, 1, [disk(x)]);
    await take(driver, a);
    const dotted = x.replace(/\/([^/]+)$/, '/./$1');
    for (const [n, alias] of [[2, link], [3, `/${x}`], [4, dotted]] as const) {
      const b = await objectFor(driver, n, [disk(alias)]);
      expect((await failure(take(driver, b))).code).toBe('RESOURCE_BUSY');
    }
    await driver.release(a, 0);
  });

  it('refuses relative paths, and missing ones (no real path for the alias lock), at addResource',
    async () => {
    const daemon = await scratch.daemon();
    const driver = await driverFor({ socket: daemon.socketPath });
    const a = await objectFor(driver, 1, []);
    const relative = { kind: 'disk', name: 'images/a.img', mode: 'exclusive' } as const;
    expect((await failure(driver.addResource(a, relative))).code).toBe('INVALID_ARG');
    expect(await failure(driver.addResource(a, disk('/nonexistent/lockchart/a.img'))))
      .toMatchObject({ code: 'SYSTEM_ERROR', errno: 2, resource: '/nonexistent/lockchart/a.img' });
  });

  it('never locks read-only disks', async () => {
    const daemon = await scratch.daemon();
    const driver = await driverFor({ socket: daemon.socketPath });
    const x = scratch.disk();
    await take(driver, await objectFor(driver, 1, [disk(x)]));
    await take(driver, await objectFor(driver, 2, [disk(x, 1)]));
    expect(heldBy(daemon, x)).toEqual(['WRITE']);
  });

  it('maps leases to <path>/<lockspace> and the key, refusing a non-zero offset', async () => {
    const daemon = await scratch.daemon();
    const driver = await driverFor({ socket: daemon.socketPath });
    const base = scratch.dir();
    const lease = (offset: number, lockspace?: string) => validateResource(ResourceType.LEASE,
      'key1', 0, { path: base, offset, ...(lockspace ? { lockspace } : {}) });
    const a = await objectFor(driver, 1, []);
    expect((await failure(driver.addResource(a, lease(1, 'space')))).code).toBe('INVALID_ARG');
    expect((await failure(driver.addResource(a, lease(0)))).code).toBe('INVALID_ARG');
    const space = join(base, 'space');
    const raw = await LockdClient.connect(daemon.socketPath, { register: neutralOwner('ls', 9) });
    await raw.call({ procedure: 'CREATE_LOCKSPACE', path: space });
    await raw.close();
    writeFileSync(join(space, 'key1'), '');
    await driver.addResource(a, lease(0, 'space'));
    await take(driver, a);
    expect(heldBy(daemon, join(space, 'key1'))).toEqual(['WRITE']);
  });

  it('rejects bad configuration, other ABI majors, and calls outside init..deinit', async () => {
    const daemon = await scratch.daemon();
    const init = (config: Record<string, unknown>, version = LOCK_MANAGER_VERSION) =>
      failure(createLockdDriver().init(version, config, 0));
    expect((await init({})).code).toBe('INVALID_ARG');
    expect((await init({ socket: 'relative' })).code).toBe('INVALID_ARG');
    expect((await init({ socket: daemon.socketPath, colour: 'red' })).code).toBe('INVALID_ARG');
    expect((await init({ socket: daemon.socketPath, timeout_ms: -1 })).code).toBe('INVALID_ARG');
    expect((await init({ socket: daemon.socketPath }, 2_000_000)).code).toBe('CONFIG_UNSUPPORTED');
    const nowhere = { socket: join(daemon.dir, 'nope'), file_lockspace_dir: join(daemon.dir, 'l') };
    expect(await init(nowhere)).toMatchObject({ code: 'SYSTEM_ERROR', errno: 2 });
    const driver = createLockdDriver();
    expect((await failure(driver.create({ type: 0, params: identity(1), flags: 0 }))).code)
      .toBe('OPERATION_INVALID');
    await driver.init(LOCK_MANAGER_VERSION, { socket: daemon.socketPath }, 0);
    const a = await objectFor(driver, 1, []);
    expect((await failure(take(driver, a, 4))).code).toBe('INVALID_ARG');
    await driver.deinit();
    expect((await failure(take(driver, a))).code).toBe('OPERATION_INVALID');
  });

  it('reports a stalled daemon as OPERATION_TIMEOUT and reconnects afterwards', async () => {
    const daemon = await scratch.daemon();
    const driver = await driverFor({ socket: daemon.socketPath, timeout_ms: 300 });
    const x = scratch.disk();
    const a = await objectFor(driver, 1, [disk(x)]);
    daemon.kill('SIGSTOP');
    try {
      expect(await failure(take(driver, a)))
        .toMatchObject({ code: 'OPERATION_TIMEOUT', operation: 'acquire', driver: 'lockd' });
    } finally {
      daemon.kill('SIGCONT');
    }
    // Outcome unknown: here the REGISTER was applied, the ACQUIRE never sent. A retry works.
    await take(driver, a);
    expect(heldBy(daemon, x)).toEqual(['WRITE']);
    await driver.release(a, 0);
  });

  it('recovers after a daemon restart: reconnects and re-creates the lockspace', async () => {
    const daemon = await scratch.daemon();
    const lockspace = join(daemon.dir, 'lockspace');
    const driver = await driverFor({ socket: daemon.socketPath, file_lockspace_dir: lockspace });
    const x = scratch.disk();
    const a = await objectFor(driver, 1, [disk(x)]);
    await take(driver, a);
    await daemon.restart();
    // The old connection is dead: this call fails with a typed error, the next reconnects.
    const b = await objectFor(driver, 2, [disk(x)]);
    const lost = await take(driver, b).then(() => null, (error: LockError) => error);
    if (lost) expect(['RPC', 'SYSTEM_ERROR']).toContain(lost.code);
    if (lost) await take(driver, b);
    expect(heldBy(daemon, join(lockspace, sha256Hex(x)))).toEqual(['WRITE']);
  });

  it('keeps a register-only connection for another process open until deinit', async () => {
    const daemon = await scratch.daemon();
    const driver = await driverFor({ socket: daemon.socketPath });
    const a = await objectFor(driver, 1, [disk(scratch.disk())]);
    const { fd } = await take(driver, a, AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT);
    expect(typeof fd).toBe('number');
    const link = () => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return null;
      }
    };
    const socket = link();
    expect(socket).toMatch(/^socket:\[\d+\]$/);
    await driver.deinit();
    drivers.splice(drivers.indexOf(driver), 1);
    expect(link()).not.toBe(socket);
  });
});
