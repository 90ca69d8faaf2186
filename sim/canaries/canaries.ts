/**
 * Canaries: deliberately broken variants of the `model` driver (virtlockd's semantics), each
 * with one bug of a kind lock services really had. The simulator must catch every one of them;
 * `test/sim/canaries.test.ts` holds it to that and prints the time to detection. A simulator
 * that only ever passes good drivers proves nothing.
 */
import {
  acquireOne,
  lockdModel,
  walk,
  type LockdState,
} from '../../drivers/model/lockd-model.ts';
import { ok, type LockServiceModel } from '../../contract/service.ts';
import { LEASE_CANARIES } from './lease-canaries.ts';

export interface Canary {
  readonly name: string;
  /** The bug, in one sentence. */
  readonly bug: string;
  /** The fault classes under which it shows (empty: shows without faults). */
  readonly faults: readonly string[];
  /** The invariant expected to catch it. */
  readonly caughtBy: string;
  /** Steps per random run that show it best (short runs keep unrelated liveness noise out). */
  readonly steps: number;
  /** The correct driver the canary is a broken variant of (default: `model`). */
  readonly reference?: string;
  readonly model: LockServiceModel<LockdState> | LockServiceModel<never>;
}

function variant(name: string, summary: string, overrides: Partial<LockServiceModel<LockdState>>):
  LockServiceModel<LockdState> {
  return { ...lockdModel, name, summary, ...overrides };
}

const dropOwner = (state: LockdState, pid: number): LockdState => ({
  ...state,
  entries: state.entries
    .map((entry) => ({ ...entry, owners: entry.owners.filter((owner) => owner.pid !== pid) }))
    .filter((entry) => entry.owners.length > 0),
});

export const CANARIES: readonly Canary[] = [
  {
    name: 'canary-release-on-any-close',
    bug: "releases an owner's locks when any connection registered as it closes (no " +
      'clientPid == ownerPid check), so a VM runs unlocked right after libvirtd acquired for it',
    faults: [],
    caughtBy: 'S2',
    steps: 2000,
    model: variant('canary-release-on-any-close', 'releases before the process is dead', {
      acquire(state, request) {
        const reply = lockdModel.acquire(state, request);
        return { ...reply, state: dropOwner(reply.state, request.owner.pid) };
      },
    }),
  },
  {
    name: 'canary-reexec-drops-locks',
    bug: 'loses the kernel locks across a re-exec (libvir-list 2018-03, "acquire locks on re-exec")',
    faults: ['daemon-reexec'],
    caughtBy: 'S2',
    steps: 2000,
    model: variant('canary-reexec-drops-locks', 'drops locks on re-exec', {
      daemonReexec: (state, host) => lockdModel.daemonCrash(state, host),
    }),
  },
  {
    name: 'canary-false-success',
    bug: 'reports success for an acquire that found the resource busy, without taking it',
    faults: [],
    caughtBy: 'S2',
    steps: 2000,
    model: variant('canary-false-success', 'reports success on a failed acquire', {
      acquire(state, request) {
        let current = state;
        for (const resource of request.resources) {
          const result = acquireOne(current, request.owner, resource);
          if ('state' in result) current = result.state;
        }
        return ok(current, null);
      },
    }),
  },
  {
    name: 'canary-shared-confusion',
    bug: 'checks every request as if it were shared, so an exclusive grant admits others',
    faults: [],
    caughtBy: 'S1',
    steps: 2000,
    model: variant('canary-shared-confusion', 'forgets shared vs exclusive', {
      acquire(state, request) {
        return walk(state, request, (s, owner, resource) => {
          if (resource.mode === 'readonly') return { state: s };
          const asShared = acquireOne(
            { ...s, entries: s.entries.map((e) => ({ ...e, shared: true })) },
            owner, { ...resource, mode: 'shared' });
          if ('error' in asShared) return asShared;
          const modes = new Map(s.entries.map((e) => [e.key, e.shared]));
          const entries = asShared.state.entries.map((e) => ({
            ...e, shared: modes.get(e.key) ?? resource.mode === 'shared',
          }));
          return { state: { ...asShared.state, entries } };
        });
      },
    }),
  },
  {
    name: 'canary-no-kill',
    bug: "releases the locks when a live owner's connection drops but does not kill the owner",
    faults: ['connection-drop'],
    caughtBy: 'S2',
    steps: 2000,
    model: variant('canary-no-kill', 'no kill when the owner connection is lost', {
      ownerGone(state, owner) {
        const gone = lockdModel.ownerGone(state, owner);
        return { ...gone, kill: false };
      },
    }),
  },
  {
    name: 'canary-ignores-restrict',
    bug: 'accepts lock calls on a restricted connection',
    faults: [],
    caughtBy: 'S6',
    steps: 2000,
    model: variant('canary-ignores-restrict', 'ignores RESTRICT', {
      callFromOwner: (state, request, operation) =>
        walk(state, request, operation === 'acquire' ? acquireOne : (s, owner, resource) => {
          const released = lockdModel.release(s, { owner, resources: [resource] });
          return released.ok ? { state: released.state } : { error: released.error };
        }),
    }),
  },
  {
    name: 'canary-all-or-nothing-keeps-prefix',
    bug: "declares 'all-or-nothing' for a failed acquire but, like virtlockd, keeps the " +
      'resources it took before the one that failed (no rollback)',
    faults: [],
    caughtBy: 'F1',
    steps: 2000,
    model: variant('canary-all-or-nothing-keeps-prefix', "claims all-or-nothing, keeps a prefix", {
      failure: { ...lockdModel.failure, acquire: 'all-or-nothing',
        rationale: 'claims a failed acquire is rolled back (it is not)' },
    }),
  },
  {
    name: 'canary-nothing-keeps-prefix',
    bug: "declares that a failure has no effect ('nothing') but keeps the prefix a failed " +
      'acquire took and releases the prefix a failed release got to',
    faults: [],
    caughtBy: 'F1',
    steps: 2000,
    model: variant('canary-nothing-keeps-prefix', 'claims failures change nothing, keeps a prefix', {
      failure: { acquire: 'nothing', release: 'nothing',
        rationale: 'claims every call is all-or-nothing with a reliable reply (it is not)' },
    }),
  },
  {
    name: 'canary-no-release-on-exit',
    bug: "keeps a dead owner's locks when its connection closes",
    faults: ['process-crash'],
    caughtBy: 'S7',
    steps: 120,
    model: variant('canary-no-release-on-exit', 'never releases on EOF', {
      ownerGone: (state) => ({ state, released: 0, kill: false }),
    }),
  },
  ...LEASE_CANARIES.map((canary) => ({ ...canary,
    model: canary.model as unknown as LockServiceModel<never> })),
];

export function findCanary(name: string): Canary | undefined {
  return CANARIES.find((canary) => canary.name === name);
}
