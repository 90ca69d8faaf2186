/**
 * The `lockd` driver: libvirt's `lock_driver_lockd.c` over the real virtlockd daemon.
 *
 * Which connection carries which call:
 * - acquire with REGISTER_ONLY and/or RESTRICT (libvirt's child, before exec): a connection of
 *   its own, REGISTERed with the owner's identity in its first write, then the acquires (unless
 *   REGISTER_ONLY), then RESTRICT. It stays open: it is the descriptor libvirt leaks into QEMU,
 *   and virtlockd releases the owner's locks (and kills it) when a connection whose peer is the
 *   owner pid closes. That is why registration must run *in the owner process itself*.
 * - acquire with no flags and release (libvirtd, for a VM that is another process): the
 *   management connection, which REGISTERs the owner's pid (impersonation) and then acquires or
 *   releases each resource in order, with no rollback (failure semantics: prefix, prefix).
 * - any call whose owner pid is this very process goes over this process's own registered
 *   connection, never a short-lived one: closing a connection registered with the caller's own
 *   pid while it holds locks makes virtlockd release them and kill the caller.
 *
 * Names are libvirt's, byte for byte, plus lockchart's alias lock taken first within each
 * resource (`naming.ts`): a resource's locks are taken all-or-nothing and released in reverse,
 * stopping at the first failure; across
 * resources a failure stops the walk with no rollback, as in libvirt. Inquire returns null (no
 * state strings).
 */
import {
  AcquireFlags,
  checkFlags,
  LOCK_MANAGER_VERSION,
  NewFlags,
  ObjectType,
} from '../../contract/flags.ts';
import { asLockError, isLockError, lockError, LockError, type LockErrorData } from '../../contract/errors.ts';
import type {
  AcquireOptions,
  AcquireResult,
  DriverConfig,
  LockDriver,
  LockObjectInit,
} from '../../contract/driver.ts';
import { LOCKD_FAILURE } from '../model/lockd-model.ts';
import type { DomainParams } from '../../contract/params.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { LockdClient } from './client.ts';
import { parseLockdConfig, type LockdConfig } from './config.ts';
import { ManagementLink } from './management.ts';
import { managedLockspace, resolveTargets, type LockdTarget } from './naming.ts';
import { ownerOf } from './owners.ts';
import type { LockOwner, ProcedureCall } from './protocol.ts';
import { LockdRemoteError, withContext } from './remote-error.ts';

/** The private data of one lock manager object. */
export interface LockdObject {
  readonly params: DomainParams;
  readonly flags: number;
  /**
   * Each declared resource's locks (alias lock first, then libvirt's), in declaration order;
   * READONLY resources are not here.
   */
  readonly resources: LockdTarget[][];
}

/** The lockd driver: a LockDriver that also tells its configuration. */
export interface LockdDriver extends LockDriver<LockdObject> {
  /** The configuration in force, or null before init / after deinit. */
  readonly config: LockdConfig | null;
  /**
   * Closes this process's own registered connection, as QEMU closing the fd libvirt leaked into
   * it would (fault injection): virtlockd then releases the owner's locks and, if it released
   * any, kills this process. Resolves false when there was no open own connection.
   */
  closeOwnConnection(): Promise<boolean>;
}

interface Session {
  readonly config: LockdConfig;
  readonly link: ManagementLink;
  /** This process's own registered connection (when it is an owner itself). */
  own: LockdClient | null;
  /** Registered connections kept open for owners that are other processes. */
  readonly kept: Set<LockdClient>;
}

type Context = Omit<LockErrorData, 'code' | 'message' | 'errno'>;

/** The same failure, told from the driver call that saw it. */
function inContext(error: unknown, context: Context): LockError {
  if (error instanceof LockdRemoteError) return withContext(error, context);
  if (isLockError(error)) return new LockError({ ...error.toJSON(), ...context }, { cause: error });
  return asLockError(error, { operation: context.operation ?? 'lockd', driver: 'lockd' });
}

function acquireCall(target: LockdTarget): ProcedureCall {
  return { procedure: 'ACQUIRE_RESOURCE', path: target.lockspace, name: target.name,
    flags: target.flags };
}

function releaseCall(target: LockdTarget): ProcedureCall {
  return { procedure: 'RELEASE_RESOURCE', path: target.lockspace, name: target.name, flags: 0 };
}

/** One resource's locks in order, all or none: a later failure releases the earlier ones. */
async function acquireResource(client: LockdClient, locks: readonly LockdTarget[]): Promise<void> {
  for (let at = 0; at < locks.length; at++) {
    try {
      await client.call(acquireCall(locks[at]!));
    } catch (error) {
      for (let back = at - 1; back >= 0; back--) {
        await client.call(releaseCall(locks[back]!)).catch(() => {});
      }
      throw error;
    }
  }
}

/**
 * One resource's locks in reverse order — libvirt's name, then the alias lock — stopping at the
 * first failure: a name this owner does not hold (another spelling, say) must leave the alias
 * lock that guards the spelling it does hold.
 */
async function releaseResource(client: LockdClient, locks: readonly LockdTarget[]): Promise<void> {
  for (let at = locks.length - 1; at >= 0; at--) await client.call(releaseCall(locks[at]!));
}

/** Resource by resource, in order, stopping at the first failure (no rollback across them). */
async function each(
  client: LockdClient,
  resources: readonly LockdTarget[][],
  operation: 'acquire' | 'release',
): Promise<void> {
  for (const locks of resources) {
    try {
      await (operation === 'acquire' ? acquireResource(client, locks)
        : releaseResource(client, locks));
    } catch (error) {
      throw inContext(error, { operation, driver: 'lockd', resource: locks[0]!.resource });
    }
  }
}

/** The lockd driver; see the module comment for which connection carries which call. */
export function createLockdDriver(): LockdDriver {
  return new LockdDriverImpl();
}

class LockdDriverImpl implements LockdDriver {
  readonly name = 'lockd';
  readonly version = LOCK_MANAGER_VERSION;
  readonly flags = 0;
  readonly failure = LOCKD_FAILURE;
  private session: Session | null = null;

  get config(): LockdConfig | null {
    return this.session?.config ?? null;
  }

  async init(version: number, config: DriverConfig, flags: number): Promise<void> {
    checkFlags(flags, 0, 'init');
    if (Math.floor(version / 1_000_000) !== Math.floor(LOCK_MANAGER_VERSION / 1_000_000)) {
      throw lockError('CONFIG_UNSUPPORTED', `lock manager ABI version ${version} is not ` +
        `supported by driver 'lockd' (implements ${LOCK_MANAGER_VERSION})`,
        { operation: 'init', driver: 'lockd' });
    }
    if (this.session) return; // libvirt may call drvInit once per hypervisor driver
    const parsed = parseLockdConfig(config);
    const link = new ManagementLink(parsed.socket, managedLockspace(parsed), parsed.timeoutMs);
    // With a lockspace dir, init connects and creates it now (CREATE_LOCKSPACE), as libvirt.
    if (parsed.lockspaceDir !== null) {
      await link.run(async () => {}).catch((error: unknown) => {
        throw inContext(error, { operation: 'init', driver: 'lockd' });
      });
    }
    this.session = { config: parsed, link, own: null, kept: new Set() };
  }

  async deinit(): Promise<void> {
    const ending = this.session;
    this.session = null;
    if (!ending) return;
    await ending.link.close();
    await Promise.all([...ending.kept].map((client) => client.close()));
    // `own` stays open: it lives as long as this process (closing it would get us killed).
  }

  async create(init: LockObjectInit): Promise<LockdObject> {
    checkFlags(init.flags, NewFlags.NEW_STARTED, 'create');
    this.live('create');
    if (init.type !== ObjectType.DOMAIN) {
      throw lockError('INVALID_ARG', `Unknown lock manager object type ${init.type}`,
        { operation: 'create', driver: 'lockd' });
    }
    const { id, uuid, name } = init.params;
    if (id === undefined || id === 0 || uuid === undefined || name === undefined) {
      throw lockError('INVALID_ARG', 'lockd needs the id (non-zero), uuid and name parameters',
        { operation: 'create', driver: 'lockd' });
    }
    return { params: init.params, flags: init.flags, resources: [] };
  }

  async addResource(object: LockdObject, resource: ResourceSpec): Promise<void> {
    const session = this.live('addResource');
    const locks = await resolveTargets(resource, session.config);
    if (locks.length > 0) object.resources.push(locks);
  }

  async acquire(object: LockdObject, options: AcquireOptions): Promise<AcquireResult> {
    checkFlags(options.flags, AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, 'acquire');
    const session = this.live('acquire');
    const owner = ownerOf(object.params, 'acquire');
    try {
      if (options.flags !== 0 || owner.pid === process.pid) {
        return await this.acquireRegistered(session, object, owner, options.flags);
      }
      await this.impersonating(session, object, owner, 'acquire');
      return { fd: null };
    } catch (error) {
      throw inContext(error, { operation: 'acquire', driver: 'lockd' });
    }
  }

  async release(object: LockdObject, flags: number): Promise<string | null> {
    checkFlags(flags, 0, 'release');
    const session = this.live('release');
    const owner = ownerOf(object.params, 'release');
    try {
      if (owner.pid === process.pid) {
        await each(await this.registered(session, owner), object.resources, 'release');
      } else {
        await this.impersonating(session, object, owner, 'release');
      }
    } catch (error) {
      throw inContext(error, { operation: 'release', driver: 'lockd' });
    }
    return null;
  }

  async inquire(_object: LockdObject, flags: number): Promise<string | null> {
    checkFlags(flags, 0, 'inquire');
    this.live('inquire');
    return null;
  }

  async free(): Promise<void> {}

  async closeOwnConnection(): Promise<boolean> {
    const own = this.session?.own;
    if (!own?.open) return false;
    this.session!.own = null;
    await own.close();
    return true;
  }

  private live(operation: string): Session {
    if (this.session === null) {
      throw lockError('OPERATION_INVALID', "driver 'lockd' is not initialised (call init first)",
        { operation, driver: 'lockd' });
    }
    return this.session;
  }

  /** A connection registered as `owner`, kept open: this process's own, or a kept one. */
  private async registered(session: Session, owner: LockOwner): Promise<LockdClient> {
    if (owner.pid === process.pid && session.own?.open) return session.own;
    const client = await LockdClient.connect(session.config.socket,
      { register: owner, timeoutMs: session.config.timeoutMs });
    if (owner.pid === process.pid) {
      client.unref();
      session.own = client;
    } else {
      session.kept.add(client);
      client.onClose(() => session.kept.delete(client));
    }
    return client;
  }

  /** libvirt's child: REGISTER, the acquires unless REGISTER_ONLY, RESTRICT if asked; kept. */
  private async acquireRegistered(session: Session, object: LockdObject, owner: LockOwner,
    flags: number): Promise<AcquireResult> {
    const client = await this.registered(session, owner);
    try {
      if (!(flags & AcquireFlags.REGISTER_ONLY) && object.resources.length > 0) {
        // The managed lockspace must exist in the daemon before a lock is taken in it.
        await client.call({ procedure: 'CREATE_LOCKSPACE', path: managedLockspace(session.config) });
        await each(client, object.resources, 'acquire');
      }
      if (flags & AcquireFlags.RESTRICT) await client.call({ procedure: 'RESTRICT', flags: 0 });
    } catch (error) {
      // libvirt closes the client on error; an owner's own connection must stay (see header).
      if (client !== session.own) await client.close();
      throw error;
    }
    return { fd: client.fd };
  }

  /** libvirtd: REGISTER the owner's pid on the management connection, then one RPC each. */
  private impersonating(session: Session, object: LockdObject, owner: LockOwner,
    operation: 'acquire' | 'release'): Promise<void> {
    return session.link.run(async (client) => {
      await session.link.registerAs(client, owner);
      await each(client, object.resources, operation);
    });
  }
}
