/**
 * The contestants of the interop matrix: libvirt's own lock manager (lockd.so in the libvirt
 * helper, as libvirtd calls it: New, AddResource, Acquire or Release, Free) and each of
 * lockchart's drivers, all on one host, one lockspace directory and one virtlockd.
 *
 * A party takes and gives back an exclusive lock on one disk path, spelled as it is given.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identity } from '../../contract/identity.ts';
import type { LockDriver } from '../../contract/driver.ts';
import { isLockError } from '../../contract/errors.ts';
import { LOCK_MANAGER_VERSION, ObjectType } from '../../contract/flags.ts';
import { LOCKD_RUN_SOCKET, lockdConfText } from '../../drivers/libvirt/config.ts';
import { LibvirtHelper } from '../../drivers/libvirt/helper-process.ts';
import { createLockdDriver } from '../../drivers/lockd/driver.ts';
import { PID_MAX_LIMIT } from '../../drivers/lockd/owners.ts';
import { createOfdDriver } from '../../drivers/ofd/driver.ts';
import { createPosixDriver } from '../../drivers/posix/driver.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { AgentDirectory } from '../../drivers/kernel/supervisor/agents.ts';
import { realSupervisor, type RealSupervisor } from '../../drivers/kernel/supervisor/real-supervisor.ts';

/** lockchart's drivers in the matrix. */
export const LOCKCHART_DRIVERS = ['ofd', 'posix', 'lockd'] as const;
export type LockchartDriverName = (typeof LOCKCHART_DRIVERS)[number];
export type Mode = 'direct' | 'indirect';

/** One side of a contest. */
export interface Party {
  readonly label: string;
  /** Resolves true when granted, false when refused as busy; anything else rejects. */
  acquire(path: string): Promise<boolean>;
  release(path: string): Promise<void>;
  close(): Promise<void>;
}

const exclusive = (path: string): ResourceSpec => ({ kind: 'disk', name: path, mode: 'exclusive' });

function busy(error: unknown): boolean {
  return isLockError(error) && error.code === 'RESOURCE_BUSY';
}

/** libvirt's lock manager on the daemon at `socket`, for a mode (lockd.so's config is global). */
export class LibvirtSide {
  private constructor(private readonly helper: LibvirtHelper, private readonly plugin: number) {}

  static async start(socket: string, mode: Mode, lockspaceDir: string, configDir: string):
    Promise<LibvirtSide> {
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'qemu-lockd.conf'), lockdConfText({ socket, timeoutMs: 10_000,
      lockspaceDir: mode === 'indirect' ? lockspaceDir : null }));
    const helper = await LibvirtHelper.start({ links: [[LOCKD_RUN_SOCKET, socket]],
      timeoutMs: 10_000 });
    try {
      return new LibvirtSide(helper, await helper.plugin('lockd', 'qemu', configDir));
    } catch (error) {
      await helper.close();
      throw error;
    }
  }

  /** A libvirtd acting for VM owner `n` (a pid no process has: lockd.so never checks it). */
  party(n: number): Party {
    const pid = PID_MAX_LIMIT + 500 + n;
    const call = (kind: 'acquire' | 'release', path: string) => this.helper.domain({
      plugin: this.plugin, call: kind, params: { ...identity(pid), pid }, resources: [exclusive(path)] });
    return {
      label: 'libvirt',
      acquire: (path) => call('acquire', path).then(() => true,
        (error: unknown) => (busy(error) ? false : Promise.reject(error))),
      release: async (path) => {
        await call('release', path);
      },
      close: async () => {},
    };
  }

  async close(): Promise<void> {
    await this.helper.close();
  }
}

/** One of lockchart's drivers, loaded as libvirtd would load it, with one owner. */
export async function lockchartParty(driver: LockchartDriverName, mode: Mode, socket: string,
  lockspaceDir: string): Promise<Party> {
  let loaded: LockDriver;
  let owner: number;
  let supervisor: RealSupervisor | null = null;
  if (driver === 'lockd') {
    loaded = createLockdDriver();
    await loaded.init(LOCK_MANAGER_VERSION, { socket,
      ...(mode === 'indirect' ? { file_lockspace_dir: lockspaceDir } : {}) }, 0);
    owner = PID_MAX_LIMIT + 400;
  } else {
    // A kernel-lock driver's owner is a live process (posix: its supervisor holds the locks).
    const agents = new AgentDirectory();
    supervisor = realSupervisor({ agents, vm: () => null });
    owner = await supervisor.start(identity(900));
    loaded = driver === 'ofd' ? createOfdDriver() : createPosixDriver({ agents });
    await loaded.init(LOCK_MANAGER_VERSION,
      mode === 'indirect' ? { lockspace_dir: lockspaceDir } : {}, 0);
  }
  const withObject = async (path: string, body: (object: unknown) => Promise<unknown>) => {
    const object = await loaded.create({ type: ObjectType.DOMAIN,
      params: { ...identity(owner), pid: owner }, flags: 0 });
    try {
      await loaded.addResource(object, exclusive(path));
      await body(object);
    } finally {
      await loaded.free(object);
    }
  };
  return {
    label: `lockchart ${driver}`,
    acquire: (path) => withObject(path,
      (object) => loaded.acquire(object, { state: null, flags: 0, action: 0 })).then(() => true,
      (error: unknown) => (busy(error) ? false : Promise.reject(error))),
    release: (path) => withObject(path, (object) => loaded.release(object, 0)),
    close: async () => {
      await loaded.deinit();
      await supervisor?.killAll();
    },
  };
}
