/**
 * The conformance checks every driver runs, through the libvirt face exactly as libvirtd calls
 * drivers (a fresh object per call: new, addResource, acquire/release, free). Each check is one
 * named property of the contract; `runConformance` reports a verdict per check, so a driver that
 * does not lock (nop) shows exactly which exclusion checks it fails.
 */
import { LockManagerPlugin } from '../../api/plugin.ts';
import { isLockError, type LockErrorCode } from '../errors.ts';
import { ObjectType, ResourceFlags, ResourceType, AcquireFlags, type LockMode } from '../flags.ts';
import { toParamList } from '../params.ts';
import type { ConformanceHarness, OwnerHandle } from './harness.ts';
import { identity } from './identity.ts';

export type CheckCategory = 'exclusion' | 'lifecycle' | 'hygiene' | 'failure-semantics';

export interface ConformanceCheck {
  readonly id: string;
  readonly category: CheckCategory;
  /** The property, as one sentence. */
  readonly title: string;
  /** Why the check may not apply (when `run` returns 'n/a'). */
  readonly notApplicable?: string;
  /** Throws (an assertion) on failure; returns 'n/a' when the driver cannot express it. */
  run(h: CheckKit): Promise<void | 'n/a'>;
}

/** A failed expectation inside a check. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

const FLAGS: Record<LockMode, number> = {
  exclusive: 0,
  shared: ResourceFlags.SHARED,
  readonly: ResourceFlags.READONLY,
};

/** What a check works with: the harness plus libvirtd-style call helpers. */
export class CheckKit {
  private constructor(readonly harness: ConformanceHarness, readonly plugin: LockManagerPlugin) {}

  static async open(harness: ConformanceHarness): Promise<CheckKit> {
    const plugin = await LockManagerPlugin.load(harness.driver,
      harness.config ? { config: harness.config } : {});
    return new CheckKit(harness, plugin);
  }

  get failure() {
    return this.harness.driver.failure;
  }

  disk(name: string): Promise<string> {
    return this.harness.disk(name);
  }

  /** An owner process, registered from inside itself as libvirt's child does. */
  async owner(options: { restrict?: boolean; disks?: readonly string[] } = {}): Promise<OwnerHandle> {
    const owner = await this.harness.spawnOwner();
    await owner.register({ restrict: options.restrict ?? true, disks: options.disks ?? [] });
    return owner;
  }

  /** libvirtd acquiring `disks` on behalf of the owner: one fresh object, one call. */
  async acquire(owner: OwnerHandle, disks: ReadonlyArray<readonly [string, LockMode]>): Promise<void> {
    await this.withObject(owner, disks, (man) => this.plugin.acquire(man, null, 0, 0));
  }

  async release(owner: OwnerHandle, disks: ReadonlyArray<readonly [string, LockMode]>): Promise<void> {
    await this.withObject(owner, disks, (man) => this.plugin.release(man, 0));
  }

  async registerOnly(owner: OwnerHandle, disks: ReadonlyArray<readonly [string, LockMode]>) {
    await this.withObject(owner, disks,
      (man) => this.plugin.acquire(man, null, AcquireFlags.REGISTER_ONLY, 0));
  }

  private async withObject(
    owner: OwnerHandle,
    disks: ReadonlyArray<readonly [string, LockMode]>,
    call: (man: Awaited<ReturnType<LockManagerPlugin['new']>>) => Promise<unknown>,
  ): Promise<void> {
    const params = toParamList({ ...identity(owner.pid), pid: owner.pid });
    const man = await this.plugin.new(ObjectType.DOMAIN, params, 0);
    try {
      for (const [path, mode] of disks) {
        await this.plugin.addResource(man, ResourceType.DISK, path, [], FLAGS[mode]);
      }
      await call(man);
    } finally {
      await this.plugin.free(man).catch(() => {});
    }
  }

  /** Expects the promise to reject with a LockError of one of `codes`. */
  async rejects(promise: Promise<unknown>, codes: readonly LockErrorCode[], what: string) {
    try {
      await promise;
    } catch (error) {
      if (isLockError(error) && codes.includes(error.code)) return;
      const got = isLockError(error) ? `${error.code}: ${error.message}` : String(error);
      throw new CheckFailure(`${what}: expected ${codes.join(' or ')}, got ${got}`);
    }
    throw new CheckFailure(`${what}: expected ${codes.join(' or ')}, but it succeeded`);
  }

  async succeeds(promise: Promise<unknown>, what: string): Promise<void> {
    try {
      await promise;
    } catch (error) {
      const got = isLockError(error) ? `${error.code}: ${error.message}` : String(error);
      throw new CheckFailure(`${what}: expected success, got ${got}`);
    }
  }
}

const BUSY: readonly LockErrorCode[] = ['RESOURCE_BUSY'];

export const CHECKS: readonly ConformanceCheck[] = [
  {
    id: 'exclusive-excludes-exclusive',
    category: 'exclusion',
    title: 'an exclusive grant refuses another owner an exclusive one',
    async run(k) {
      const disk = await k.disk('x');
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[disk, 'exclusive']]), 'A exclusive');
      await k.rejects(k.acquire(b, [[disk, 'exclusive']]), BUSY, 'B exclusive while A holds it');
    },
  },
  {
    id: 'exclusive-excludes-shared',
    category: 'exclusion',
    title: 'an exclusive grant refuses another owner a shared one',
    async run(k) {
      const disk = await k.disk('x');
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[disk, 'exclusive']]), 'A exclusive');
      await k.rejects(k.acquire(b, [[disk, 'shared']]), BUSY, 'B shared while A holds it exclusive');
    },
  },
  {
    id: 'shared-excludes-exclusive',
    category: 'exclusion',
    title: 'a shared grant refuses another owner an exclusive one',
    async run(k) {
      const disk = await k.disk('x');
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[disk, 'shared']]), 'A shared');
      await k.rejects(k.acquire(b, [[disk, 'exclusive']]), BUSY, 'B exclusive while A holds it shared');
    },
  },
  {
    id: 'same-owner-exclusive-twice',
    category: 'exclusion',
    title: 'a second exclusive acquire by the same owner is refused (virtlockd "res lock excl")',
    async run(k) {
      const disk = await k.disk('x');
      const a = await k.owner();
      await k.succeeds(k.acquire(a, [[disk, 'exclusive']]), 'A exclusive');
      await k.rejects(k.acquire(a, [[disk, 'exclusive']]), BUSY, 'A exclusive again');
    },
  },
  {
    id: 'alias-spellings-exclude',
    category: 'exclusion',
    title: 'two spellings of one disk (a symlink to it) exclude each other',
    notApplicable: 'the harness has no real files to spell another way',
    async run(k) {
      if (!k.harness.alias) return 'n/a';
      const disk = await k.disk('x');
      const alias = await k.harness.alias(disk);
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[disk, 'exclusive']]), 'A exclusive as written');
      await k.rejects(k.acquire(b, [[alias, 'exclusive']]), BUSY,
        'B exclusive through a symlink while A holds it');
    },
  },
  {
    id: 'release-by-non-owner',
    category: 'exclusion',
    title: 'a release by an owner that does not hold the lock fails and changes nothing',
    async run(k) {
      const disk = await k.disk('x');
      const [a, b, c] = [await k.owner(), await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[disk, 'exclusive']]), 'A exclusive');
      await k.rejects(k.release(b, [[disk, 'exclusive']]), ['INTERNAL_ERROR', 'RESOURCE_BUSY'],
        'B releases A\'s lock');
      await k.rejects(k.acquire(c, [[disk, 'exclusive']]), BUSY, 'C exclusive after B\'s release');
    },
  },
  {
    id: 'shared-allows-shared',
    category: 'lifecycle',
    title: 'shared grants coexist',
    async run(k) {
      const disk = await k.disk('x');
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[disk, 'shared']]), 'A shared');
      await k.succeeds(k.acquire(b, [[disk, 'shared']]), 'B shared');
    },
  },
  {
    id: 'readonly-never-locked',
    category: 'lifecycle',
    title: 'read-only disks are never locked: they coexist with a writer either way round',
    async run(k) {
      const [x, y] = [await k.disk('x'), await k.disk('y')];
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[x, 'exclusive']]), 'A exclusive on x');
      await k.succeeds(k.acquire(b, [[x, 'readonly']]), 'B read-only on x');
      await k.succeeds(k.acquire(a, [[y, 'readonly']]), 'A read-only on y');
      await k.succeeds(k.acquire(b, [[y, 'exclusive']]), 'B exclusive on y');
    },
  },
  {
    id: 'release-frees',
    category: 'lifecycle',
    title: 'after a release another owner may take the lock',
    async run(k) {
      const disk = await k.disk('x');
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[disk, 'exclusive']]), 'A exclusive');
      await k.succeeds(k.release(a, [[disk, 'exclusive']]), 'A releases');
      await k.succeeds(k.acquire(b, [[disk, 'exclusive']]), 'B exclusive after the release');
    },
  },
  {
    id: 'register-only-takes-nothing',
    category: 'lifecycle',
    title: 'a register-only acquire takes no lock',
    async run(k) {
      const disk = await k.disk('x');
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.registerOnly(a, [[disk, 'exclusive']]), 'A register-only with x declared');
      await k.succeeds(k.acquire(b, [[disk, 'exclusive']]), 'B exclusive');
    },
  },
  {
    id: 'owner-exit-releases',
    category: 'lifecycle',
    title: "when the owner's process exits, all its grants are released",
    async run(k) {
      const [x, y] = [await k.disk('x'), await k.disk('y')];
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[x, 'exclusive'], [y, 'shared']]), 'A takes x and y');
      await a.exit();
      await k.succeeds(k.acquire(b, [[x, 'exclusive'], [y, 'exclusive']]), 'B after A exited');
    },
  },
  {
    id: 'restricted-connection-changes-nothing',
    category: 'hygiene',
    notApplicable: 'the driver has no owner connection to restrict',
    title: "after RESTRICT, calls through the owner's own connection are denied and change nothing",
    async run(k) {
      const disk = await k.disk('x');
      const a = await k.owner({ restrict: true });
      if (!a.callOwn) return 'n/a';
      const b = await k.owner();
      await k.rejects(a.callOwn('acquire', disk), ['OPERATION_DENIED'], 'A acquires on its own connection');
      await k.succeeds(k.acquire(b, [[disk, 'exclusive']]), 'B exclusive after the denied call');
      await k.rejects(a.callOwn('release', disk), ['OPERATION_DENIED'], 'A releases on its own connection');
      const c = await k.owner();
      await k.rejects(k.acquire(c, [[disk, 'exclusive']]), BUSY, 'C exclusive: B still holds it');
    },
  },
  {
    id: 'release-unheld-fails',
    category: 'hygiene',
    title: 'a release of a lock nobody holds is reported as an error, never silently accepted',
    async run(k) {
      const disk = await k.disk('x');
      const a = await k.owner();
      await k.rejects(k.release(a, [[disk, 'exclusive']]), ['RESOURCE_BUSY', 'INTERNAL_ERROR'],
        'A releases an unheld lock');
    },
  },
  {
    id: 'failed-acquire-matches-declared-outcomes',
    category: 'failure-semantics',
    title: 'what a failed multi-resource acquire leaves held is within the declared outcome set',
    async run(k) {
      const [x, y] = [await k.disk('x'), await k.disk('y')];
      const [a, b, c] = [await k.owner(), await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[y, 'exclusive']]), 'A takes y');
      await k.rejects(k.acquire(b, [[x, 'exclusive'], [y, 'exclusive']]), BUSY, 'B takes x then y');
      let xHeld = true;
      try {
        await k.acquire(c, [[x, 'exclusive']]);
        xHeld = false;
      } catch (error) {
        if (!isLockError(error) || error.code !== 'RESOURCE_BUSY') throw error;
      }
      const allowed = k.failure.acquire === 'prefix' || k.failure.acquire === 'any-subset' ||
        k.failure.acquire === 'all-or-nothing' ? [true, false] : [false];
      if (!allowed.includes(xHeld)) {
        throw new CheckFailure(`x was ${xHeld ? '' : 'not '}left held after a failed acquire, ` +
          `which the declared outcome set '${k.failure.acquire}' does not admit`);
      }
    },
  },
];
