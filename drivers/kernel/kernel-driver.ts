/**
 * The `LockDriver` shape shared by the kernel-lock drivers (`ofd`, `posix`): validation, the
 * object's resources resolved to lock files, and the virtlockd call order, over a backend that
 * holds the locks somewhere (in this process, or in the owner's supervisor).
 *
 * - `addResource` resolves each resource to its lock files at once (`lock-target.ts`: libvirt's
 *   name, and in indirect mode lockchart's alias lease before it), so bad paths fail there,
 *   typed; read-only disks are dropped.
 * - `acquire(REGISTER_ONLY)` registers the owner pid and locks nothing; plain `acquire` takes
 *   every resource in declaration order and stops at the first failure with no rollback across
 *   resources (libvirt's prefix semantics); within one resource its locks are all-or-nothing.
 *   `release` walks the resources the same way, each one's locks in reverse order, stopping at
 *   the first failure. After
 *   RESTRICT the object refuses further calls.
 * - `inquire` returns null: kernel locks keep no state string.
 */
import { lockError } from '../../contract/errors.ts';
import { AcquireFlags, checkFlags, LOCK_MANAGER_VERSION } from '../../contract/flags.ts';
import type {
  AcquireOptions,
  AcquireResult,
  DriverConfig,
  FailureSemantics,
  LockDriver,
  LockObjectInit,
} from '../../contract/driver.ts';
import type { DomainParams } from '../../contract/params.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { parseKernelConfig, type KernelConfig } from './config.ts';
import { ensureLockspace } from './lockspace.ts';
import { resolveTargets, type LockTarget } from './lock-target.ts';

/** Where a kernel-lock driver's locks live, and how they are taken for an owner pid. */
export interface KernelBackend {
  /** acquire(REGISTER_ONLY): checks that the owner can hold locks; takes none. */
  register(owner: number, restrict: boolean): void | Promise<void>;
  /** Takes one lock for the owner; rejects with a LockError. */
  acquireOne(owner: number, target: LockTarget): void | Promise<void>;
  /** Releases one lock of the owner; rejects with a LockError. */
  releaseOne(owner: number, target: LockTarget): void | Promise<void>;
  deinit(): void | Promise<void>;
}

/** The private data of one lock manager object. */
export interface KernelObject {
  readonly params: DomainParams;
  readonly flags: number;
  /**
   * The lock files of each declared resource, in declaration order (read-only ones dropped),
   * each resource's in the order they are taken.
   */
  readonly resources: LockTarget[][];
  restricted: boolean;
}

export interface KernelDriverSpec<B extends KernelBackend> {
  readonly name: string;
  readonly failure: FailureSemantics;
  /** Numeric configuration keys this driver accepts besides `lockspace_dir`. */
  readonly numericKeys: readonly string[];
  makeBackend(config: KernelConfig): B;
}

export interface KernelDriver<B extends KernelBackend = KernelBackend>
  extends LockDriver<KernelObject> {
  /** The live backend, once `init` succeeded (tests and the simulator's real mode read it). */
  backend(): B;
  /** The indirect lockspace, or null in direct mode. */
  lockspaceDir(): string | null;
}

const ACQUIRE_FLAGS = AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT;
const NO_FD: AcquireResult = Object.freeze({ fd: null });

type Step = (owner: number, target: LockTarget) => void | Promise<void>;

/**
 * Undoes the first `taken` locks of a resource (in reverse, failures ignored), then rethrows
 * `error`: a resource's locks are all-or-nothing.
 */
function rollback(locks: readonly LockTarget[], taken: number, owner: number, release: Step,
  error: unknown): Promise<never> | never {
  for (let k = taken - 1; k >= 0; k--) {
    let pending: void | Promise<void>;
    try {
      pending = release(owner, locks[k]!);
    } catch {
      continue;
    }
    if (pending) {
      return pending.catch(() => {}).then(() => rollback(locks, k, owner, release, error));
    }
  }
  throw error;
}

/** Takes one resource's locks in order, all or none. */
function acquireResource(locks: readonly LockTarget[], owner: number, acquire: Step,
  release: Step, from = 0): void | Promise<void> {
  for (let at = from; at < locks.length; at++) {
    let pending: void | Promise<void>;
    try {
      pending = acquire(owner, locks[at]!);
    } catch (error) {
      return rollback(locks, at, owner, release, error);
    }
    if (pending) {
      return pending.then(() => acquireResource(locks, owner, acquire, release, at + 1),
        (error: unknown) => rollback(locks, at, owner, release, error));
    }
  }
}

/**
 * Releases one resource's locks in reverse order, stopping at the first failure: a name the
 * owner does not hold (another spelling) must leave the alias lease of the one it does hold.
 */
function releaseResource(locks: readonly LockTarget[], owner: number, release: Step,
  from = locks.length - 1): void | Promise<void> {
  for (let at = from; at >= 0; at--) {
    const pending = release(owner, locks[at]!);
    if (pending) return pending.then(() => releaseResource(locks, owner, release, at - 1));
  }
}

type ResourceStep = (locks: readonly LockTarget[], owner: number) => void | Promise<void>;

/**
 * Applies `step` to the resources in order from `from`, stopping at the first failure.
 * Synchronous steps (the in-process backends) stay synchronous and allocate nothing: this is
 * the path the ofd benchmark measures, where even a closure per call shows.
 */
function walk(resources: readonly LockTarget[][], owner: number, step: ResourceStep, from = 0):
  void | Promise<void> {
  for (let at = from; at < resources.length; at++) {
    const pending = step(resources[at]!, owner);
    if (pending) return pending.then(() => walk(resources, owner, step, at + 1));
  }
}

export function createKernelDriver<B extends KernelBackend>(spec: KernelDriverSpec<B>):
  KernelDriver<B> {
  const name = spec.name;
  let state: { config: KernelConfig; backend: B; acquire: ResourceStep; release: ResourceStep } |
    undefined;

  const live = (operation: string) => {
    if (state === undefined) {
      throw lockError('OPERATION_INVALID', `driver '${name}' is not initialised (call init first)`,
        { operation, driver: name });
    }
    return state;
  };
  const usable = (object: KernelObject, operation: string) => {
    const current = live(operation);
    if (object.restricted) {
      throw lockError('OPERATION_DENIED',
        'operation forbidden: lock manager connection has been restricted',
        { operation, driver: name });
    }
    return current;
  };
  const ownerOf = (object: KernelObject, operation: string): number => {
    const pid = object.params.pid;
    if (pid === undefined) {
      throw lockError('OPERATION_INVALID',
        'the object has no pid parameter, so there is no owner to act for',
        { operation, driver: name });
    }
    return pid;
  };

  return {
    name,
    version: LOCK_MANAGER_VERSION,
    flags: 0,
    failure: spec.failure,

    async init(version: number, config: DriverConfig, flags: number): Promise<void> {
      checkFlags(flags, 0, 'init');
      if (Math.floor(version / 1_000_000) !== Math.floor(LOCK_MANAGER_VERSION / 1_000_000)) {
        throw lockError('CONFIG_UNSUPPORTED', `lock manager ABI version ${version} is not ` +
          `supported by driver '${name}' (implements ${LOCK_MANAGER_VERSION})`,
          { operation: 'init', driver: name });
      }
      // libvirt may call drvInit once per hypervisor driver: keep the existing state.
      if (state !== undefined) return;
      const parsed = parseKernelConfig(config, spec.numericKeys, name);
      if (parsed.lockspaceDir !== null) ensureLockspace(parsed.lockspaceDir, name);
      const backend = spec.makeBackend(parsed);
      const acquireOne: Step = (owner, target) => backend.acquireOne(owner, target);
      const releaseOne: Step = (owner, target) => backend.releaseOne(owner, target);
      state = {
        config: parsed,
        backend,
        acquire: (locks, owner) => acquireResource(locks, owner, acquireOne, releaseOne),
        release: (locks, owner) => releaseResource(locks, owner, releaseOne),
      };
    },
    async deinit(): Promise<void> {
      const current = state;
      state = undefined;
      await current?.backend.deinit();
    },
    async create(init: LockObjectInit): Promise<KernelObject> {
      live('create');
      return { params: init.params, flags: init.flags, resources: [], restricted: false };
    },
    async addResource(object: KernelObject, resource: ResourceSpec): Promise<void> {
      const { config } = usable(object, 'addResource');
      const locks = resolveTargets(resource, config.lockspaceDir,
        { driver: name, operation: 'addResource' });
      if (locks.length > 0) object.resources.push(locks);
    },
    acquire(object: KernelObject, options: AcquireOptions): Promise<AcquireResult> {
      try {
        checkFlags(options.flags, ACQUIRE_FLAGS, 'acquire');
        const current = usable(object, 'acquire');
        const owner = ownerOf(object, 'acquire');
        const restrict = (options.flags & AcquireFlags.RESTRICT) !== 0;
        const pending = options.flags & AcquireFlags.REGISTER_ONLY
          ? current.backend.register(owner, restrict)
          : walk(object.resources, owner, current.acquire);
        if (!pending) {
          if (restrict) object.restricted = true;
          return Promise.resolve(NO_FD);
        }
        return pending.then(() => {
          if (restrict) object.restricted = true;
          return NO_FD;
        });
      } catch (error) {
        return Promise.reject(error);
      }
    },
    release(object: KernelObject, flags: number): Promise<string | null> {
      try {
        checkFlags(flags, 0, 'release');
        const current = usable(object, 'release');
        const pending = walk(object.resources, ownerOf(object, 'release'), current.release);
        return pending ? pending.then(() => null) : Promise.resolve(null);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async inquire(object: KernelObject, flags: number): Promise<string | null> {
      checkFlags(flags, 0, 'inquire');
      usable(object, 'inquire');
      return null;
    },
    async free(): Promise<void> {},

    backend: () => live('backend').backend,
    lockspaceDir: () => live('lockspaceDir').config.lockspaceDir,
  };
}
