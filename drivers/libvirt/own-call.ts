/**
 * A guest's own lock call: the VM stand-in sends an ACQUIRE_RESOURCE or RELEASE_RESOURCE for one
 * of its disks on the connection lockd.so leaked into it, named as lockd.so names it. After
 * RESTRICT virtlockd must deny it (OPERATION_DENIED) and change nothing.
 */
import { libvirtTarget } from '../lockd/naming.ts';
import { encodeCall } from '../lockd/protocol.ts';
import { decodeReply, toLockError } from '../lockd/remote-error.ts';
import type { LockMode } from '../../contract/flags.ts';
import type { HelperVm } from './helper-process.ts';

/** Serial numbers past lockd.so's own (it used 0 and 1 for REGISTER and RESTRICT). */
let serial = 100;

/**
 * The stand-in's own call; resolves on success, rejects with the daemon's error as a LockError.
 */
export async function ownLockCall(vm: HelperVm, operation: 'acquire' | 'release', path: string,
  mode: LockMode, lockspaceDir: string | null): Promise<void> {
  // lockd.so's own name for the disk (lock_driver_lockd.c, AddResource): the path as written.
  const lock = libvirtTarget({ kind: 'disk', name: path, mode }, lockspaceDir)!;
  const frame = encodeCall(serial++, operation === 'acquire'
    ? { procedure: 'ACQUIRE_RESOURCE', path: lock.lockspace, name: lock.name, flags: lock.flags }
    : { procedure: 'RELEASE_RESOURCE', path: lock.lockspace, name: lock.name, flags: 0 });
  const reply = decodeReply(await vm.rpc(frame));
  if (!reply.ok) {
    throw toLockError(reply.error, { operation, driver: 'libvirt-lockd', resource: path });
  }
}
