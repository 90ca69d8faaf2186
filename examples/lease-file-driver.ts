/**
 * An example lockchart plugin: a `LockDriver` written against docs/plugins.md and
 * docs/driver-contract.md alone.
 *
 * "lease files": the lock of a disk is a small JSON file next to it, `<disk>.lease`, listing who
 * holds it (mode, and each owner's pid with its start time). Every libvirtd that sees the
 * storage sees the same files, so hosts exclude each other. Owners are noticed dead by their
 * pid: a holder whose process is gone no longer counts, at the next call that reads the file.
 *
 * An example, not a product: a lease file is read, changed and written back (atomically, by
 * rename), but two libvirtds writing one file at the same instant could both win. A real driver
 * needs an atomic primitive across machines (a kernel lock, a lease daemon, compare-and-swap
 * storage).
 *
 * Run it: `lockchart conform --driver examples/lease-file-driver.ts`, then
 * `lockchart sim --real --driver examples/lease-file-driver.ts` (compared with `model-kernel`).
 */
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { normalize } from 'node:path';
import type {
  AcquireOptions, AcquireResult, DriverConfig, FailureSemantics, LockDriver, LockObjectInit,
} from '../contract/driver.ts';
import { lockError } from '../contract/errors.ts';
import { AcquireFlags, checkFlags, LOCK_MANAGER_VERSION } from '../contract/flags.ts';
import type { ResourceSpec } from '../contract/resources.ts';

/** Real mode compares this driver, step by step, with the built-in `model-kernel`. */
export const reference = 'model-kernel';

const NAME = 'lease-file';

const FAILURE: FailureSemantics = {
  acquire: 'prefix',
  release: 'prefix',
  rationale: 'disks are taken and released one lease file at a time, in order, with no ' +
    'rollback: a failure at disk k leaves disks 1..k-1 done',
};

/** One holder of a lease: the owner process, and when it started (pids are reused). */
interface Holder {
  readonly pid: number;
  readonly start: string;
}

interface Lease {
  readonly shared: boolean;
  readonly holders: readonly Holder[];
}

/** The private data of one lock manager object. */
interface LeaseObject {
  readonly pid: number | undefined;
  readonly disks: ResourceSpec[];
}

/** A process's start time (field 22 of /proc/PID/stat), or null when it is not running. */
function startTime(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: fields restart after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null; // a zombie has finished running
  return fields[19] ?? null;
}

const alive = (holder: Holder) => startTime(holder.pid) === holder.start;

/** The canonical path of a disk: every spelling of one disk is one lease. */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return normalize(path);
  }
}

const leaseFile = (disk: ResourceSpec) => `${canonical(disk.name)}.lease`;

/** The lease as the file says, without holders that are gone. */
function readLease(file: string): Lease | null {
  if (!existsSync(file)) return null;
  const lease = JSON.parse(readFileSync(file, 'utf8')) as Lease;
  const holders = lease.holders.filter(alive);
  return holders.length === 0 ? null : { shared: lease.shared, holders };
}

function writeLease(file: string, lease: Lease | null): void {
  if (lease === null) {
    rmSync(file, { force: true });
    return;
  }
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(lease));
  renameSync(temporary, file);
}

function ownerOf(object: LeaseObject, operation: string): Holder {
  if (object.pid === undefined) {
    throw lockError('OPERATION_INVALID', 'the object has no pid parameter: no owner to act for',
      { operation, driver: NAME });
  }
  const start = startTime(object.pid);
  if (start === null) {
    throw lockError('OPERATION_INVALID', `owner pid ${object.pid} is not running`,
      { operation, driver: NAME });
  }
  return { pid: object.pid, start };
}

function takeOne(owner: Holder, disk: ResourceSpec): void {
  if (disk.mode === 'readonly') return;
  const file = leaseFile(disk);
  const lease = readLease(file);
  const shared = disk.mode === 'shared';
  if (lease !== null && !(lease.shared && shared)) {
    throw lockError('RESOURCE_BUSY', `resource busy: disk '${disk.name}' is locked`,
      { operation: 'acquire', driver: NAME, resource: disk.name });
  }
  writeLease(file, { shared, holders: [...(lease?.holders ?? []), owner] });
}

function releaseOne(pid: number, disk: ResourceSpec): void {
  if (disk.mode === 'readonly') return;
  const file = leaseFile(disk);
  const lease = readLease(file);
  if (lease === null) {
    writeLease(file, null); // only holders that are gone were left: tidy up
    throw lockError('RESOURCE_BUSY', `resource busy: disk '${disk.name}' is not locked`,
      { operation: 'release', driver: NAME, resource: disk.name });
  }
  const mine = lease.holders.findIndex((holder) => holder.pid === pid);
  if (mine < 0) {
    throw lockError('INTERNAL_ERROR', `owner ${pid} does not hold the lease of '${disk.name}'`,
      { operation: 'release', driver: NAME, resource: disk.name });
  }
  const holders = lease.holders.filter((_, index) => index !== mine);
  writeLease(file, holders.length === 0 ? null : { shared: lease.shared, holders });
}

function createLeaseFileDriver(): LockDriver<LeaseObject> {
  let loaded = false;
  const need = (operation: string) => {
    if (!loaded) {
      throw lockError('OPERATION_INVALID', `driver '${NAME}' is not initialised`,
        { operation, driver: NAME });
    }
  };
  return {
    name: NAME,
    version: LOCK_MANAGER_VERSION,
    flags: 0,
    failure: FAILURE,

    async init(version: number, config: DriverConfig, flags: number) {
      checkFlags(flags, 0, 'init');
      if (Math.floor(version / 1_000_000) !== Math.floor(LOCK_MANAGER_VERSION / 1_000_000)) {
        throw lockError('CONFIG_UNSUPPORTED', `lock manager ABI ${version} is not supported`,
          { operation: 'init', driver: NAME });
      }
      const unknown = Object.keys(config);
      if (unknown.length > 0) {
        throw lockError('INVALID_ARG', `unknown configuration key(s): ${unknown.join(', ')}`,
          { operation: 'init', driver: NAME });
      }
      loaded = true;
    },
    async deinit() {
      loaded = false;
    },
    async create(init: LockObjectInit) {
      need('create');
      return { pid: init.params.pid, disks: [] };
    },
    async addResource(object: LeaseObject, resource: ResourceSpec) {
      need('addResource');
      if (resource.kind !== 'disk') {
        throw lockError('CONFIG_UNSUPPORTED', `driver '${NAME}' locks disks only, not lease ` +
          `'${resource.name}'`, { operation: 'addResource', driver: NAME, resource: resource.name });
      }
      object.disks.push(resource);
    },
    async acquire(object: LeaseObject, options: AcquireOptions): Promise<AcquireResult> {
      need('acquire');
      checkFlags(options.flags, AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, 'acquire');
      const owner = ownerOf(object, 'acquire');
      // Registration takes nothing; there is no connection of the owner's own to restrict.
      if (options.flags & AcquireFlags.REGISTER_ONLY) return { fd: null };
      for (const disk of object.disks) takeOne(owner, disk);
      return { fd: null };
    },
    async release(object: LeaseObject, flags: number) {
      need('release');
      checkFlags(flags, 0, 'release');
      if (object.pid === undefined) {
        throw lockError('OPERATION_INVALID', 'the object has no pid parameter: no owner to act for',
          { operation: 'release', driver: NAME });
      }
      for (const disk of object.disks) releaseOne(object.pid, disk);
      return null;
    },
    async inquire(_object: LeaseObject, flags: number) {
      need('inquire');
      checkFlags(flags, 0, 'inquire');
      return null;
    },
    async free() {},
  };
}

export function createDriver(): LockDriver<LeaseObject> {
  return createLeaseFileDriver();
}
