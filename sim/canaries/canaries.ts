/**
 * Canaries: deliberately broken variants of the `model` driver (virtlockd's semantics), each
 * with one bug of a kind lock services really had. The simulator must catch every one of them;
 * `test/sim/canaries.test.ts` holds it to that and prints the time to detection. A simulator
 * that only ever passes good drivers proves nothing.
 */
import {
  acquireOne,
  lockdModel,
  releaseOne,
  walk,
  type LockdState,
} from '../../drivers/model/lockd-model.ts';
import { errorData } from '../../contract/errors.ts';
import { ok, type LockServiceModel } from '../../contract/service.ts';
import type { DriverConfig } from '../../contract/driver.ts';
import type { Design } from '../world/design.ts';
import { LEASE_CANARIES } from './lease-canaries.ts';

export interface Canary {
  readonly name: string;
  /** The bug, in one sentence. */
  readonly bug: string;
  /** The fault classes under which it shows (empty: shows without faults). */
  readonly faults: readonly string[];
  /** The invariant expected to catch it. */
  readonly caughtBy: string;
  /** The lock-manager design it shows under (default libvirt). */
  readonly design?: Design;
  /** Steps per random run that show it best (short runs keep unrelated liveness noise out). */
  readonly steps: number;
  /** The correct driver the canary is a broken variant of (default: `model`). */
  readonly reference?: string;
  /** The configuration it runs with: its reference's, so that only the planted bug differs. */
  readonly config?: DriverConfig;
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
    caughtBy: 'S8',
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
  {
    name: 'canary-supervisor-loss-no-kill',
    bug: "under the RFC design, when a supervisor dies under its running child the daemon " +
      "releases the child's leases (they were on the supervisor's connection) but lets the " +
      'child run on, unlocked',
    faults: ['supervisor-crash'],
    design: 'rfc',
    caughtBy: 'S2',
    steps: 2000,
    model: variant('canary-supervisor-loss-no-kill', "no kill when a supervisor's connection is lost", {
      ownerGone(state, owner) {
        return { ...lockdModel.ownerGone(state, owner), kill: false };
      },
    }),
  },
  {
    name: 'canary-reexec-all-shared',
    bug: 'restores every lock as shared after a re-exec (the flag lost in the state file), so ' +
      'an exclusive holder no longer excludes anyone',
    faults: ['daemon-reexec'],
    caughtBy: 'S8',
    steps: 2000,
    model: variant('canary-reexec-all-shared', 'restores locks as shared on re-exec', {
      daemonReexec: (state, host) => ({ ...state, entries: state.entries.map((entry) =>
        entry.owners.some((owner) => owner.host === host) ? { ...entry, shared: true } : entry) }),
    }),
  },
  {
    name: 'canary-locks-readonly',
    bug: 'locks read-only disks too (as shared), so a reader blocks the disk\'s writer',
    faults: [],
    caughtBy: 'H1',
    steps: 2000,
    model: variant('canary-locks-readonly', 'locks read-only disks', {
      acquire: (state, request) => walk(state, { ...request, resources: request.resources.map(
        (resource) => resource.mode === 'readonly' ? { ...resource, mode: 'shared' as const } : resource) },
      acquireOne),
    }),
  },
  {
    name: 'canary-shared-as-exclusive',
    bug: 'takes a shared request as exclusive, so a cluster disk admits one VM at a time',
    faults: [],
    caughtBy: 'H1',
    steps: 2000,
    model: variant('canary-shared-as-exclusive', 'locks shared disks exclusively', {
      acquire: (state, request) => walk(state, { ...request, resources: request.resources.map(
        (resource) => resource.mode === 'shared' ? { ...resource, mode: 'exclusive' as const } : resource) },
      acquireOne),
    }),
  },
  {
    name: 'canary-busy-on-shared',
    bug: 'answers RESOURCE_BUSY to a shared acquire of a disk others hold shared',
    faults: [],
    caughtBy: 'A1',
    steps: 2000,
    model: variant('canary-busy-on-shared', 'refuses a second shared holder', {
      acquire: (state, request) => walk(state, request, (s, owner, resource) =>
        resource.mode === 'shared' && s.entries.some((entry) => entry.resource === resource.name)
          ? { error: errorData('RESOURCE_BUSY', `resource busy: '${resource.name}' is locked`) }
          : acquireOne(s, owner, resource)),
    }),
  },
  {
    name: 'canary-release-leaves-tombstone',
    bug: 'keeps an empty lock entry after its last owner releases, so the next acquire of the ' +
      'free disk answers RESOURCE_BUSY',
    faults: [],
    caughtBy: 'A1',
    steps: 2000,
    model: variant('canary-release-leaves-tombstone', 'a released lock stays busy', {
      release(state, request) {
        const reply = walk(state, request, (s, owner, resource) => {
          const released = releaseOne(s, owner, resource);
          if ('error' in released || resource.mode === 'readonly') return released;
          const gone = s.entries.find((entry) => !released.state.entries.includes(entry) &&
            !released.state.entries.some((e) => e.key === entry.key));
          return gone ? { state: { ...released.state,
            entries: [...released.state.entries, { ...gone, owners: [] }]
              .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) } } : released;
        });
        return reply.ok ? ok(reply.state, null) : reply;
      },
    }),
  },
  {
    name: 'canary-state-ignored',
    bug: 'returns a state string on release, as a stateful driver does, but never checks it on ' +
      'acquire, so a VM paused while another took and released its disk resumes on stale state ' +
      '(reference §6 #12: sanlock\'s state is parsed but never used)',
    faults: [],
    caughtBy: 'S9',
    steps: 2000,
    model: variant('canary-state-ignored', 'state strings that are never checked', {
      usesState: true,
      release(state, request) {
        const reply = lockdModel.release(state, request);
        return reply.ok ? ok(reply.state, request.resources.map((r) => r.name).join(' ') || null) : reply;
      },
      relabel: undefined,
    }),
  },
  {
    name: 'canary-register-unrestricted',
    bug: "drops RESTRICT when the child registers, so the connection leaked into QEMU stays " +
      'usable and the guest can lock any disk, another VM\'s included',
    faults: [],
    caughtBy: 'S6',
    steps: 2000,
    model: variant('canary-register-unrestricted', 'forgets RESTRICT on register', {
      register: (state, owner) => lockdModel.register(state, owner, { restrict: false }),
    }),
  },
  {
    name: 'canary-shared-release-drops-all',
    bug: 'releasing a shared lock removes the whole entry, every other holder with it',
    faults: [],
    caughtBy: 'S2',
    steps: 2000,
    model: variant('canary-shared-release-drops-all', 'one shared release frees all holders', {
      release(state, request) {
        const reply = lockdModel.release(state, request);
        if (!reply.ok) return reply;
        const names = new Set(request.resources.filter((r) => r.mode === 'shared').map((r) => r.name));
        return ok({ ...reply.state, entries: reply.state.entries.filter((e) => !(e.shared && names.has(e.resource))) }, null);
      },
    }),
  },
  {
    name: 'canary-acquire-first-only',
    bug: 'takes only the first resource of a multi-disk acquire and answers success',
    faults: [],
    caughtBy: 'S2',
    steps: 2000,
    model: variant('canary-acquire-first-only', 'acquires the first disk only', {
      acquire: (state, request) => {
        const reply = lockdModel.acquire(state, { ...request, resources: request.resources.slice(0, 1) });
        return reply.ok ? reply : reply;
      },
    }),
  },
  {
    name: 'canary-cross-host-blind',
    bug: "checks only its own host's holders (a lockspace not on shared storage, reference " +
      '§6 #19), so two hosts lock one disk exclusively',
    faults: [],
    caughtBy: 'S1',
    steps: 2000,
    model: variant('canary-cross-host-blind', 'ignores holders on other hosts', {
      acquire: (state, request) => walk(state, request, (s, owner, resource) => {
        const others = s.entries.filter((e) => !e.owners.some((o) => o.host === owner.host));
        const mine = { ...s, entries: s.entries.filter((e) => !others.includes(e)) };
        const result = acquireOne(mine, owner, resource);
        if ('error' in result) return result;
        // Both hosts' tables end up in one list: a second entry with the same key is kept apart.
        const added = result.state.entries.filter((e) => !mine.entries.includes(e));
        return { state: { ...s, entries: [...s.entries.filter((e) => !added.some((a) => a.key === e.key) ||
          others.includes(e)), ...added.map((e) => others.some((o) => o.key === e.key)
          ? { ...e, key: `${e.key}@h${owner.host}` } : e)]
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) } };
      }),
    }),
  },
  {
    name: 'canary-acquire-continues',
    bug: 'goes on past a busy resource and takes the later ones, then reports the failure: ' +
      'not the prefix it declares',
    faults: [],
    caughtBy: 'F1',
    steps: 2000,
    model: variant('canary-acquire-continues', 'skips busy resources, keeps the rest', {
      acquire(state, request) {
        let current = state;
        let error = null;
        for (const resource of request.resources) {
          const result = acquireOne(current, request.owner, resource);
          if ('error' in result) error ??= result.error;
          else current = result.state;
        }
        return error ? { ok: false, state: current, error, done: 0 } : ok(current, null);
      },
    }),
  },
  {
    name: 'canary-restrict-acquire-only',
    bug: 'a restricted connection refuses acquires but still accepts releases',
    faults: [],
    caughtBy: 'S6',
    steps: 2000,
    model: variant('canary-restrict-acquire-only', 'RESTRICT blocks acquire only', {
      callFromOwner: (state, request, operation) => operation === 'acquire'
        ? lockdModel.callFromOwner(state, request, operation)
        : walk(state, request, releaseOne),
    }),
  },
  {
    name: 'canary-reexec-unrestricts',
    bug: 'restores registrations without their restricted flag after a re-exec, so the ' +
      'guests\' leaked connections work again',
    faults: ['daemon-reexec'],
    caughtBy: 'S6',
    steps: 2000,
    model: variant('canary-reexec-unrestricts', 'loses RESTRICT on re-exec', {
      daemonReexec: (state, host) => ({ ...state, registrations: state.registrations.map((r) =>
        r.host === host ? { ...r, restricted: false } : r) }),
    }),
  },
  {
    name: 'canary-reexec-drops-shared',
    bug: 'does not write shared locks to the re-exec state file, so they are gone after it',
    faults: ['daemon-reexec'],
    caughtBy: 'S8',
    steps: 2000,
    model: variant('canary-reexec-drops-shared', 'loses shared locks on re-exec', {
      daemonReexec: (state, host) => ({ ...state, entries: state.entries.flatMap((entry) => {
        if (!entry.shared) return [entry];
        const owners = entry.owners.filter((owner) => owner.host !== host);
        return owners.length > 0 ? [{ ...entry, owners }] : [];
      }) }),
    }),
  },
  {
    name: 'canary-key-collision',
    bug: 'names locks after a truncated path, so two different disks share one lock and the ' +
      'second answers RESOURCE_BUSY while nobody holds it',
    faults: [],
    caughtBy: 'A1',
    steps: 2000,
    model: variant('canary-key-collision', 'truncated lock names collide', {
      acquire: (state, request) => walk(state, request, (s, owner, resource) => {
        const clash = s.entries.find((e) => e.resource !== resource.name &&
          e.resource.slice(0, 12) === resource.name.slice(0, 12) && resource.mode !== 'readonly');
        return clash ? { error: errorData('RESOURCE_BUSY', `resource busy: '${resource.name}' is locked`) }
          : acquireOne(s, owner, resource);
      }),
    }),
  },
  {
    name: 'canary-last-shared-upgrades',
    bug: 'turns a shared lock exclusive once one holder is left (an "optimisation"), locking ' +
      'more than the definition asks',
    faults: [],
    caughtBy: 'H1',
    steps: 2000,
    model: variant('canary-last-shared-upgrades', 'a lone shared holder becomes exclusive', {
      release(state, request) {
        const reply = lockdModel.release(state, request);
        if (!reply.ok) return reply;
        return ok({ ...reply.state, entries: reply.state.entries.map((e) =>
          e.shared && e.owners.length === 1 && state.entries.some((o) => o.key === e.key && o.owners.length > 1)
            ? { ...e, shared: false } : e) }, null);
      },
    }),
  },
  {
    name: 'canary-eof-releases-first-only',
    bug: "releases only the first of a dead owner's locks when its connection closes",
    faults: ['process-crash'],
    caughtBy: 'S7',
    steps: 120,
    model: variant('canary-eof-releases-first-only', 'EOF releases one lock', {
      ownerGone(state, owner) {
        const held = state.entries.filter((e) => e.owners.some((o) => o.pid === owner.pid));
        if (held.length <= 1) return lockdModel.ownerGone(state, owner);
        const gone = lockdModel.ownerGone({ ...state, entries: state.entries.filter((e) => e === held[0] ||
          !held.includes(e)) }, owner);
        return { ...gone, state: { ...gone.state, entries: [...gone.state.entries, ...held.slice(1)]
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) } };
      },
    }),
  },
  {
    name: 'canary-eof-keeps-exclusive',
    bug: "releases a dead owner's shared locks when its connection closes, but keeps its " +
      'exclusive ones',
    faults: ['process-crash'],
    caughtBy: 'S7',
    steps: 120,
    model: variant('canary-eof-keeps-exclusive', 'EOF keeps exclusive locks', {
      ownerGone(state, owner) {
        const kept = state.entries.filter((e) => !e.shared && e.owners.some((o) => o.pid === owner.pid));
        const gone = lockdModel.ownerGone({ ...state, entries: state.entries.filter((e) => !kept.includes(e)) }, owner);
        return { ...gone, state: { ...gone.state, entries: [...gone.state.entries, ...kept]
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) } };
      },
    }),
  },
  {
    name: 'canary-busy-on-readonly',
    bug: 'checks read-only disks against exclusive holders (which never lock them, reference ' +
      '§6 #20) and answers RESOURCE_BUSY',
    faults: [],
    caughtBy: 'A1',
    steps: 2000,
    model: variant('canary-busy-on-readonly', 'read-only users meet busy', {
      acquire: (state, request) => walk(state, request, (s, owner, resource) =>
        resource.mode === 'readonly' && s.entries.some((e) => e.resource === resource.name && !e.shared)
          ? { error: errorData('RESOURCE_BUSY', `resource busy: '${resource.name}' is locked`) }
          : acquireOne(s, owner, resource)),
    }),
  },
  {
    name: 'canary-readonly-as-exclusive',
    bug: 'takes a read-only disk for a write and locks it exclusively, so one reader keeps ' +
      'the disk\'s writer (and every other reader) out',
    faults: [],
    caughtBy: 'H1',
    steps: 2000,
    model: variant('canary-readonly-as-exclusive', 'locks read-only disks exclusively', {
      acquire: (state, request) => walk(state, { ...request, resources: request.resources.map(
        (resource) => resource.mode === 'readonly' ? { ...resource, mode: 'exclusive' as const } : resource) },
      acquireOne),
    }),
  },
  ...LEASE_CANARIES.map((canary) => ({ ...canary,
    model: canary.model as unknown as LockServiceModel<never> })),
];

export function findCanary(name: string): Canary | undefined {
  return CANARIES.find((canary) => canary.name === name);
}
