/**
 * Shared pieces of the lockd real-mode tests: a backend that is always torn down, hand-written
 * traces (a header and the steps that start a VM and let it run), and the kernel's locks.
 */
import type { LockdBackendOptions } from '../../real/lockd/backend.ts';
import { lockdBackend } from '../../real/lockd/backend.ts';
import type { Step } from '../../sim/steps.ts';
import type { TraceHeader } from '../../sim/trace/format.ts';
import type { WorldShape } from '../../sim/world/shape.ts';
import type { DiskUse, VmDefinition } from '../../sim/world/types.ts';

export type Backend = ReturnType<typeof lockdBackend>;

const made: Backend[] = [];

/** A backend set up for `shape`; `releaseBackends()` tears every one down. */
export async function backendFor(shape: WorldShape, options: LockdBackendOptions = {}):
  Promise<Backend> {
  const backend = lockdBackend(options);
  made.push(backend);
  await backend.setup(shape);
  return backend;
}

export async function releaseBackends(): Promise<void> {
  await Promise.all(made.splice(0).map((backend) => backend.teardown()));
}

/** A disk use as a VM definition spells it. */
export function use(disk: number, mode: DiskUse['mode'] = 'exclusive',
  path = `/shared/disk${disk}.img`): DiskUse {
  return { disk, mode, path };
}

/** A trace header for `model-lockd` (what real lockd replays). */
export function header(shape: WorldShape, definitions: VmDefinition[],
  faults: TraceHeader['faults'] = []): TraceHeader {
  return { type: 'header', format: 1, model: 'x', driver: 'model-lockd',
    config: { alias_locks: true }, seed: null, faults, shape, swarm: null,
    origin: 'scenario', definitions };
}

/** The steps that start VM `vm` on `host` and let it run: it holds its locks. */
export function startAndRun(vm: number, host: number): Step[] {
  return [
    { kind: 'call', vm, host, call: 'start' },
    { kind: 'complete', vm, host, invoke: 'registerOwner', outcome: { type: 'ok' } },
    { kind: 'complete', vm, host, invoke: 'acquireLocks', outcome: { type: 'ok' } },
  ];
}
