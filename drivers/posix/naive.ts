/**
 * A *deliberately naive* POSIX driver: process-owned `F_SETLK` locks held in the driver's own
 * long-lived process, exactly like the `ofd` driver holds its OFD locks. It exists to show the
 * POSIX trap at driver level (`test/kernel/posix-trap.test.ts`): any code in this process that
 * opens and closes another descriptor of a locked file silently drops the lock, and the kernel
 * then grants it to another process. libvirt moved locking into virtlockd for this reason
 * (reference §3, §6 #5). Never use it for anything else; `createPosixDriver` is the real one.
 */
import { createKernelDriver, type KernelDriver } from '../kernel/kernel-driver.ts';
import { inProcessBackend, type InProcessBackend } from '../kernel/in-process.ts';
import { posixPrimitive } from '../kernel/primitives.ts';
import { POSIX_FAILURE } from './failure.ts';

export function createNaivePosixDriver(): KernelDriver<InProcessBackend> {
  return createKernelDriver({
    name: 'posix-naive',
    failure: POSIX_FAILURE,
    numericKeys: ['owner_poll_ms'],
    makeBackend: (config) => inProcessBackend({
      driver: 'posix-naive',
      primitive: posixPrimitive,
      identity: 'inode',
      ...(config.numbers['owner_poll_ms'] ? { pollMs: config.numbers['owner_poll_ms'] } : {}),
    }),
  });
}
