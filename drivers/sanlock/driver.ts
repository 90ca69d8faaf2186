/**
 * The `sanlock` driver: libvirt's `lock_driver_sanlock.c` over the real sanlock daemon.
 *
 * Which process does what, as in libvirt:
 * - init (libvirtd): with `auto_disk_leases`, the `__LIBVIRT__DISKS__` lockspace file is created
 *   and formatted if missing, and joined with `host_id` (-EINPROGRESS retried). As in libvirt, a
 *   setup failure does not fail init; it is reported by the acquires that then fail.
 * - acquire in the owner itself (pid = this process: libvirt's forked child, before exec): a new
 *   registered connection (REGISTER), the killpath helper for on_lockfailure poweroff/pause,
 *   the acquire unless REGISTER_ONLY (on that connection), RESTRICT(ALL) if asked. The connection
 *   stays open for the life of the process: it is the fd libvirt leaks into QEMU, and when it
 *   closes the daemon releases the owner's leases.
 * - acquire, release, inquire from libvirtd (pid = another process): on behalf of that pid, over
 *   short unregistered connections. `create` without NEW_STARTED probes whether the pid is
 *   registered; for a pid that is not, acquire, release and inquire silently do nothing and
 *   succeed — libvirt's behaviour, edge case #14.
 * - release first inquires (the state string, with lease versions, is its result), then
 *   releases the object's leases.
 *
 * One deviation, for the restricted-connection rule: a later call whose pid is this very process
 * uses the registration it made (the "own connection"), so after RESTRICT it is refused
 * (OPERATION_DENIED). libvirt would register yet another connection; sanlock itself would not
 * answer on a restricted one, and may wedge (docs/sanlock.md). Lease naming: `naming.ts`.
 * State strings: `state-string.ts`. Error codes: `result-codes.ts`.
 */
import type {
  AcquireOptions,
  AcquireResult,
  DriverConfig,
  FailureSemantics,
  LockDriver,
  LockObjectInit,
} from '../../contract/driver.ts';
import { asLockError, isLockError, lockError, LockError, type LockErrorData } from '../../contract/errors.ts';
import {
  AcquireFlags,
  checkFlags,
  DriverFlags,
  FailureAction,
  LOCK_MANAGER_VERSION,
  NewFlags,
  ObjectType,
  type FailureActionValue,
} from '../../contract/flags.ts';
import type { DomainParams } from '../../contract/params.ts';
import { resourceLabel, type ResourceSpec } from '../../contract/resources.ts';
import { SanlockClient, type Registration } from './client.ts';
import { parseSanlockConfig, type SanlockConfig } from './config.ts';
import { ensureLeaseFile, ensureLockspaceFile, joinLockspace } from './lease-files.ts';
import { autoDiskLockspace, leaseOf } from './naming.ts';
import { ENOSPC, isSanlockError } from './result-codes.ts';
import { parseState } from './state-string.ts';
import { MAX_RESOURCES, RestrictFlag, type SanlockResource } from './wire.ts';

/** libvirt's killpath helper (Debian: package libvirt-sanlock). */
export const LIBVIRT_SANLOCK_HELPER = '/usr/lib/libvirt/libvirt_sanlock_helper';

/** What a failed call may have left behind (see docs/sanlock.md). */
export const SANLOCK_FAILURE: FailureSemantics = {
  acquire: 'all-or-nothing',
  release: 'all-or-nothing',
  rationale: 'the daemon takes all the leases of one acquire or none (it releases those it got ' +
    'when a later one fails) and drops every held lease a release names even if another is not ' +
    'held; a failure reply is therefore no effect (acquire, or a release whose inquire failed) ' +
    'or the whole effect (release), and a lost reply (timeout_ms) may hide a whole success',
};

/** The private data of one lock manager object. */
export interface SanlockObject {
  readonly params: DomainParams;
  readonly flags: number;
  /** The leases to take, in declaration order (READONLY and unleased disks are not here). */
  readonly leases: SanlockResource[];
  /** The resource each lease stands for, for error messages. */
  readonly labels: string[];
  /** A read/write exclusive disk was declared without auto leases. */
  hasRWDisks: boolean;
  /** Whether the owner pid is registered with the daemon (libvirt's `priv->registered`). */
  registered: boolean;
}

interface Session {
  readonly config: SanlockConfig;
  readonly client: SanlockClient;
  /** Why the auto-disk lockspace could not be set up at init, if it could not. */
  readonly lockspaceError: LockError | null;
}

/** The sanlock driver; see the module comment. */
export interface SanlockDriver extends LockDriver<SanlockObject> {
  readonly config: SanlockConfig | null;
  /** This process's registrations (as an owner), newest last. They end with the process. */
  readonly ownRegistrations: readonly Registration[];
}

/**
 * This process's registered connections. Module-wide, not per driver: they outlive `deinit`
 * as libvirt's leaked fd outlives the plugin in QEMU, and closing one releases its leases.
 */
const ownRegistrations: Registration[] = [];

/** This process's newest registration that is still open, if any. */
function currentRegistration(): Registration | undefined {
  return ownRegistrations.filter((registration) => registration.open).at(-1);
}

type Context = Omit<LockErrorData, 'code' | 'message' | 'errno'>;

function inContext(error: unknown, context: Context, prefix: string): LockError {
  if (isSanlockError(error)) return error.within(context, prefix);
  if (isLockError(error)) {
    return new LockError({ ...error.toJSON(), ...context, message: `${prefix}: ${error.message}` },
      { cause: error });
  }
  return asLockError(error, { operation: context.operation ?? 'sanlock', driver: 'sanlock' });
}

const ACTION_NAMES: Record<FailureActionValue, string> = {
  0: 'default', 1: 'poweroff', 2: 'restart', 3: 'pause', 4: 'ignore',
};

/** libvirt's `virBufferEscape(buf, '\\', "\\ ", …)`: backslash and space get a backslash. */
function escapeArg(value: string): string {
  return value.replace(/[\\ ]/g, (c) => `\\${c}`);
}

export function createSanlockDriver(): SanlockDriver {
  return new SanlockDriverImpl();
}

class SanlockDriverImpl implements SanlockDriver {
  readonly name = 'sanlock';
  readonly version = LOCK_MANAGER_VERSION;
  readonly flags = DriverFlags.USES_STATE;
  readonly failure = SANLOCK_FAILURE;
  private session: Session | null = null;

  get config(): SanlockConfig | null {
    return this.session?.config ?? null;
  }

  get ownRegistrations(): readonly Registration[] {
    return ownRegistrations;
  }

  async init(version: number, config: DriverConfig, flags: number): Promise<void> {
    checkFlags(flags, 0, 'init');
    if (Math.floor(version / 1_000_000) !== Math.floor(LOCK_MANAGER_VERSION / 1_000_000)) {
      throw lockError('CONFIG_UNSUPPORTED', `lock manager ABI version ${version} is not ` +
        `supported by driver 'sanlock' (implements ${LOCK_MANAGER_VERSION})`,
      { operation: 'init', driver: 'sanlock' });
    }
    if (this.session) return; // libvirt may call drvInit once per hypervisor driver
    const parsed = parseSanlockConfig(config);
    if (parsed.autoDiskLeases && parsed.hostId === 0) {
      throw lockError('CONFIG_UNSUPPORTED',
        'Automatic disk lease mode enabled, but no host ID is set',
        { operation: 'init', driver: 'sanlock' });
    }
    const client = new SanlockClient({ socket: parsed.socket,
      ...(parsed.timeoutMs === undefined ? {} : { timeoutMs: parsed.timeoutMs }) });
    let lockspaceError: LockError | null = null;
    if (parsed.autoDiskLeases) {
      const lockspace = autoDiskLockspace(parsed.diskLeaseDir, parsed.hostId);
      try {
        await ensureLockspaceFile(client, lockspace, parsed.ioTimeoutS);
        await joinLockspace(client, lockspace, parsed.ioTimeoutS);
      } catch (error) {
        // libvirt tests `SetupLockspace() < -1`, never true: the plugin loads anyway.
        lockspaceError = inContext(error, { operation: 'init', driver: 'sanlock' },
          `Unable to add lockspace ${lockspace.disk.path}`);
      }
    }
    this.session = { config: parsed, client, lockspaceError };
  }

  async deinit(): Promise<void> {
    this.session = null; // own registrations stay: they end with the process (see above)
  }

  async create(init: LockObjectInit): Promise<SanlockObject> {
    checkFlags(init.flags, NewFlags.NEW_STARTED, 'create');
    const session = this.live('create');
    if (init.type !== ObjectType.DOMAIN) {
      throw lockError('INVALID_ARG', `Unsupported object type ${init.type}`,
        { operation: 'create', driver: 'sanlock' });
    }
    const object: SanlockObject = { params: init.params, flags: init.flags, leases: [],
      labels: [], hasRWDisks: false, registered: false };
    const pid = init.params.pid;
    // libvirt's probe: an inquire that is not -ESRCH means registered; any failure means "no".
    if (!(init.flags & NewFlags.NEW_STARTED) && pid !== undefined) {
      object.registered = await session.client.isRegistered(pid).catch(() => false);
    }
    return object;
  }

  async addResource(object: SanlockObject, resource: ResourceSpec): Promise<void> {
    const session = this.live('addResource');
    if (object.leases.length === MAX_RESOURCES) {
      throw lockError('INTERNAL_ERROR', `Too many resources ${MAX_RESOURCES} for object`,
        { operation: 'addResource', driver: 'sanlock', resource: resource.name });
    }
    if (resource.mode === 'readonly') return; // libvirt: "a no-op lock request"
    const autoDir = session.config.autoDiskLeases ? session.config.diskLeaseDir : null;
    if (resource.kind === 'disk' && autoDir === null) {
      if (resource.mode === 'exclusive') object.hasRWDisks = true; // "ignore without error"
      return;
    }
    const lease = leaseOf(resource, autoDir)!;
    if (resource.kind === 'disk') {
      try {
        await ensureLeaseFile(session.client, lease);
      } catch (error) {
        throw inContext(error, { operation: 'addResource', driver: 'sanlock',
          resource: resource.name }, `Unable to initialize lease ${lease.disks[0]!.path}`);
      }
    }
    object.leases.push(lease);
    object.labels.push(resourceLabel(resource));
  }

  async acquire(object: SanlockObject, options: AcquireOptions): Promise<AcquireResult> {
    checkFlags(options.flags, AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, 'acquire');
    const session = this.live('acquire');
    const context: Context = { operation: 'acquire', driver: 'sanlock' };
    if (object.leases.length === 0 && object.hasRWDisks && session.config.requireLeaseForDisks) {
      throw lockError('CONFIG_UNSUPPORTED',
        'Read/write, exclusive access, disks were present, but no leases specified', context);
    }
    const pid = object.params.pid;
    const own = pid === process.pid;
    const reuse = own && options.flags === 0 ? currentRegistration() : undefined;
    let registration: Registration | null = reuse ?? null;
    let fresh = false;
    if (own && !reuse) {
      registration = await session.client.register(
        { confirm: !(options.flags & AcquireFlags.RESTRICT) }).catch((error: unknown) => {
        throw inContext(error, context, 'Failed to open socket to sanlock daemon');
      });
      fresh = true;
      object.registered = true;
    } else if (!own && !object.registered) {
      return { fd: null }; // libvirt: "Process not registered, not acquiring lock" (#14)
    }
    try {
      if (fresh && options.action !== FailureAction.DEFAULT) {
        await this.registerKillpath(registration!, object, options.action);
      }
      const leases = this.leasesFor(object, options.state, session.config);
      if (!(options.flags & AcquireFlags.REGISTER_ONLY)) {
        await this.acquireLeases(session, object, registration, leases);
      }
      if (options.flags & AcquireFlags.RESTRICT) {
        if (registration === null) {
          throw lockError('SYSTEM_ERROR', 'Failed to restrict process: the caller is not the ' +
            `owner (pid ${pid}) and has no registered connection to restrict`,
          { ...context, errno: 9 });
        }
        await registration.restrict(RestrictFlag.ALL).catch((error: unknown) => {
          throw inContext(error, context, 'Failed to restrict process');
        });
      }
    } catch (error) {
      // libvirt closes the socket it just registered (VIR_FORCE_CLOSE): its leases go with it.
      if (fresh) await registration!.close();
      throw isLockError(error) ? error : inContext(error, context, 'Failed to acquire lock');
    }
    if (fresh) {
      const kept = registration!;
      kept.unref();
      ownRegistrations.push(kept);
      kept.onClose(() => {
        const at = ownRegistrations.indexOf(kept);
        if (at >= 0) ownRegistrations.splice(at, 1);
      });
    }
    return { fd: registration?.fd ?? null };
  }

  async release(object: SanlockObject, flags: number): Promise<string | null> {
    checkFlags(flags, 0, 'release');
    const session = this.live('release');
    if (!object.registered) return null; // libvirt: "Process not registered, skipping …" (#14)
    const context: Context = { operation: 'release', driver: 'sanlock' };
    const registration = this.ownRegistration(object);
    let state: string;
    try {
      state = (registration ? await registration.inquire()
        : await session.client.inquire(object.params.pid!)).state;
    } catch (error) {
      throw inContext(error, context, 'Failed to inquire lock');
    }
    try {
      if (registration) await registration.release(object.leases);
      else await session.client.release(object.params.pid!, object.leases);
    } catch (error) {
      throw inContext(error, { ...context, ...this.resourceOf(object) },
        'Failed to release lock');
    }
    return state === '' ? null : state;
  }

  async inquire(object: SanlockObject, flags: number): Promise<string | null> {
    checkFlags(flags, 0, 'inquire');
    const session = this.live('inquire');
    if (!object.registered) return null; // libvirt: "Process not registered, skipping …" (#14)
    const registration = this.ownRegistration(object);
    try {
      const { state } = registration ? await registration.inquire()
        : await session.client.inquire(object.params.pid!);
      return state === '' ? null : state;
    } catch (error) {
      throw inContext(error, { operation: 'inquire', driver: 'sanlock' }, 'Failed to inquire lock');
    }
  }

  async free(): Promise<void> {}

  private live(operation: string): Session {
    if (this.session === null) {
      throw lockError('OPERATION_INVALID', 'Sanlock plugin is not initialized',
        { operation, driver: 'sanlock' });
    }
    return this.session;
  }

  /** This process's registration, when the object's owner is this process. */
  private ownRegistration(object: SanlockObject): Registration | null {
    return object.params.pid === process.pid ? currentRegistration() ?? null : null;
  }

  /** The object's leases, or (with `lease_versions`) the state's, versions included. */
  private leasesFor(object: SanlockObject, state: string | null, config: SanlockConfig):
    readonly SanlockResource[] {
    if (state === null || state === '') return object.leases;
    const parsed = parseState(state); // libvirt refuses a state it cannot parse, then ignores it
    return config.leaseVersions ? parsed : object.leases;
  }

  private async acquireLeases(session: Session, object: SanlockObject,
    registration: Registration | null, leases: readonly SanlockResource[]): Promise<void> {
    const owner = object.params.name ?? '';
    try {
      if (registration) await registration.acquire(leases, owner);
      else await session.client.acquire(object.params.pid!, leases, owner);
    } catch (error) {
      let wrapped = inContext(error, { operation: 'acquire', driver: 'sanlock',
        ...this.resourceOf(object) }, 'Failed to acquire lock');
      if (isSanlockError(error) && error.sanlockCode === -ENOSPC && session.lockspaceError) {
        wrapped = new LockError({ ...wrapped.toJSON(), message: `${wrapped.message} (the ` +
          `lockspace could not be set up at init: ${session.lockspaceError.message})` },
        { cause: error });
      }
      throw wrapped;
    }
  }

  /** The one resource a failure is about, when the object has exactly one. */
  private resourceOf(object: SanlockObject): { resource?: string } {
    return object.labels.length === 1 ? { resource: object.labels[0]! } : {};
  }

  /** libvirt's `virLockManagerSanlockRegisterKillscript`. */
  private async registerKillpath(registration: Registration, object: SanlockObject,
    action: FailureActionValue): Promise<void> {
    const context: Context = { operation: 'acquire', driver: 'sanlock' };
    if (action !== FailureAction.POWEROFF && action !== FailureAction.PAUSE) {
      throw lockError('CONFIG_UNSUPPORTED',
        `Failure action ${ACTION_NAMES[action] ?? action} is not supported by sanlock`, context);
    }
    const args = [object.params.uri ?? '', object.params.uuid ?? '', ACTION_NAMES[action]]
      .map(escapeArg).join(' ');
    await registration.killpath(LIBVIRT_SANLOCK_HELPER, args).catch((error: unknown) => {
      throw inContext(error, context, 'Failed to register lock failure action');
    });
  }
}
