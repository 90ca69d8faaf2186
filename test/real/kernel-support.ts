/**
 * Shared by the kernel real-mode tests: proving nothing outlives a run (no process this test
 * process started, no kernel lock on the world's disks, no world directory), disk uses, and
 * hand-written traces of `model-kernel`.
 */
import { existsSync } from 'node:fs';
import { expect } from 'vitest';
import { readProcLocks, type ProcLock } from '../../system/proc-locks.ts';
import { descendantsOf } from '../../drivers/kernel/supervisor/process-tree.ts';
import { KERNEL_CONFIG, KERNEL_REFERENCE, type KernelBackend } from '../../real/kernel/backend.ts';
import type { DiskIdentity } from '../../real/kernel/world.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { MODEL_VERSION } from '../../sim/model-version.ts';
import type { Step } from '../../sim/steps.ts';
import type { TraceHeader } from '../../sim/trace/format.ts';
import { createStorage } from '../../sim/world/storage.ts';
import type { DiskUse, VmDefinition } from '../../sim/world/types.ts';

/** The kernel's locks on the given disks now (also on unlinked files still held open). */
export function locksOn(disks: readonly DiskIdentity[]): ProcLock[] {
  return readProcLocks().filter((lock) =>
    disks.some((disk) => disk.dev === lock.dev && disk.inode === lock.inode));
}

/** This process's descendants now; `check()` asserts nothing new outlived the test. */
export function leftovers() {
  const before = new Set(descendantsOf());
  return {
    fresh: () => descendantsOf().filter((pid) => !before.has(pid)),
    /** No process started since, no lock on the backend's disks, no world directory. */
    check(backend: KernelBackend, root?: string) {
      expect(this.fresh(), 'processes that outlived the run').toEqual([]);
      expect(locksOn(backend.diskIdentities), 'kernel locks left on the disks').toEqual([]);
      if (root) expect(existsSync(root), 'the world directory').toBe(false);
    },
  };
}

const storage = createStorage(4);

/** Disk `disk` used in `mode`, spelled canonically (or by alias spelling `spelling`). */
export function use(disk: number, mode: DiskUse['mode'] = 'exclusive', spelling = 0): DiskUse {
  return { disk, mode, path: storage.spelling(disk, spelling) };
}

/** A trace header of the kernel backends' reference driver, for a hand-written run. */
export function header(shape: TraceHeader['shape'], definitions: readonly VmDefinition[],
  faults: readonly FaultName[] = []): TraceHeader {
  return { type: 'header', format: 1, model: MODEL_VERSION, driver: KERNEL_REFERENCE,
    config: KERNEL_CONFIG, seed: null, faults, shape, swarm: null, origin: 'scenario',
    definitions };
}

/** Start `vm` on `host` and let it run: launch, register, acquire (libvirtd then resumes it). */
export function startSteps(vm: number, host: number): Step[] {
  return [
    { kind: 'call', vm, host, call: 'start' },
    { kind: 'complete', vm, host, invoke: 'registerOwner', outcome: { type: 'ok' } },
    { kind: 'complete', vm, host, invoke: 'acquireLocks', outcome: { type: 'ok' } },
  ];
}
