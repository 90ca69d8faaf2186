/**
 * The conformance checks every driver runs, through the libvirt face exactly as libvirtd calls
 * drivers (a fresh object per call: new, addResource, acquire/release, free). Each check is one
 * named property of the contract; `runConformance` reports a verdict per check, so a driver that
 * does not lock (nop) shows exactly which exclusion checks it fails.
 */
import { LockManagerPlugin } from '../api/plugin.ts';
import { isLockError, type LockErrorCode } from '../contract/errors.ts';
import { ObjectType, ResourceFlags, ResourceType, AcquireFlags, type LockMode } from '../contract/flags.ts';
import { contractBreach } from '../contract/outcomes.ts';
import { toParamList } from '../contract/params.ts';
import type { ConformanceHarness, OwnerHandle } from './harness.ts';
import { identity } from '../contract/identity.ts';

export type CheckCategory = 'exclusion' | 'lifecycle' | 'hygiene' | 'failure-semantics';

export interface ConformanceCheck {
  readonly id: string;
  readonly category: CheckCategory;
  /** The property, as one sentence. */
  readonly title: string;
  /** Throws (an assertion) on failure; returns why not, when the driver cannot express it. */
  run(h: CheckKit): Promise<void | NotApplicable>;
}

/** A check the driver cannot take part in, and why. */
export interface NotApplicable {
  readonly notApplicable: string;
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

  /**
   * Whether anyone holds `disk`: a fresh owner tries it exclusive (and lets it go again when it
   * got it). How the suite observes a lock on every driver, from the outside.
   */
  async heldByAnyone(disk: string): Promise<boolean> {
    const probe = await this.owner();
    try {
      await this.acquire(probe, [[disk, 'exclusive']]);
    } catch (error) {
      if (isLockError(error) && error.code === 'RESOURCE_BUSY') return true;
      throw error;
    }
    await this.release(probe, [[disk, 'exclusive']]);
    return false;
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
    async run(k) {
      if (!k.harness.alias) return { notApplicable: 'the harness has no real files to spell another way' };
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
    title: "after RESTRICT, calls through the owner's own connection are denied and change nothing",
    async run(k) {
      const disk = await k.disk('x');
      const a = await k.owner({ restrict: true });
      if (!a.callOwn) return { notApplicable: 'the driver has no owner connection to restrict' };
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
      const [a, b] = [await k.owner(), await k.owner()];
      await k.succeeds(k.acquire(a, [[y, 'exclusive']]), 'A takes y');
      await k.rejects(k.acquire(b, [[x, 'exclusive'], [y, 'exclusive']]), BUSY, 'B takes x then y');
      const held = await k.heldByAnyone(x);
      const breach = contractBreach(k.failure.acquire, 2, held ? 0b01 : 0);
      if (breach) throw new CheckFailure(`B's acquire of x, y failed (y is A's), but ${breach}`);
    },
  },
  {
    id: 'failed-release-matches-declared-outcomes',
    category: 'failure-semantics',
    title: 'what a failed multi-resource release leaves released is within the declared outcome set',
    async run(k) {
      const [x, z, y] = [await k.disk('x'), await k.disk('z'), await k.disk('y')];
      const b = await k.owner();
      await k.succeeds(k.acquire(b, [[x, 'exclusive'], [y, 'exclusive']]), 'B takes x and y');
      try {
        await k.release(b, [[x, 'exclusive'], [z, 'exclusive'], [y, 'exclusive']]);
        return { notApplicable: 'the driver accepts a release of a lock nobody holds, so no ' +
          'release fails here (see release-unheld-fails)' };
      } catch (error) {
        if (!isLockError(error)) throw error;
      }
      const released = (await k.heldByAnyone(x) ? 0 : 0b001) | (await k.heldByAnyone(y) ? 0 : 0b100);
      // z was never held: no outcome can change it, whether it counts as released or not.
      const breach = contractBreach(k.failure.release, 3, released, 0b101);
      if (breach) throw new CheckFailure(`B's release of x, z, y failed (z is unheld), but ${breach}`);
    },
  },
];
