/**
 * The `ofd` driver: real kernel locks, open-file-description locks (`F_OFD_SETLK`) on byte 0,
 * length 1 of the disk (direct) or of its lockspace file (indirect), held **in the driver's own
 * process** on behalf of each owner pid.
 *
 * Why in-process works for OFD and not for POSIX locks: an OFD lock belongs to its descriptor,
 * so one process can hold locks for many owners that conflict with each other, and no library
 * opening and closing the same file elsewhere in the process can drop them (the POSIX trap,
 * `test/kernel/posix-trap.test.ts`). The price: the kernel does not know the owner. When an owner
 * dies its locks stay until this driver notices (poll, next request for the file, or
 * `ownerGone`); see `drivers/kernel/in-process.ts` and `docs/decisions/kernel-locks.md`.
 *
 * Semantics are virtlockd's (`drivers/model/lockd-model.ts`); names are libvirt's plus alias
 * leases (`lock-target.ts`). Configuration: `lockspace_dir` (indirect leases), `owner_poll_ms`
 * (how often dead owners are looked for, default 100).
 */
import type { FailureSemantics } from '../../contract/driver.ts';
import { createKernelDriver, type KernelDriver } from '../kernel/kernel-driver.ts';
import {
  DEFAULT_OWNER_POLL_MS,
  inProcessBackend,
  type InProcessBackend,
} from '../kernel/in-process.ts';
import { ofdPrimitive } from '../kernel/primitives.ts';

export const OFD_FAILURE: FailureSemantics = {
  acquire: 'prefix',
  release: 'prefix',
  rationale: 'resources are locked and released one at a time in declaration order with no ' +
    'rollback, and the kernel answers every call, so a failure at resource k leaves exactly ' +
    'resources 1..k-1 affected',
};

export type OfdDriver = KernelDriver<InProcessBackend> & {
  /** The owner process died: drop its locks now (returns how many grants went). */
  ownerGone(pid: number): number;
};

export function createOfdDriver(): OfdDriver {
  const driver = createKernelDriver({
    name: 'ofd',
    failure: OFD_FAILURE,
    numericKeys: ['owner_poll_ms'],
    makeBackend: (config) => inProcessBackend({
      driver: 'ofd',
      primitive: ofdPrimitive,
      identity: 'path',
      pollMs: config.numbers['owner_poll_ms'] ?? DEFAULT_OWNER_POLL_MS,
    }),
  });
  return Object.assign(driver, {
    ownerGone: (pid: number) => driver.backend().ownerGone(pid),
  });
}
