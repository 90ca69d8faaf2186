/**
 * A guest's own lock call: the VM stand-in sends a lock request for one of its disks on the
 * connection the plugin leaked into it, named as the plugin names it.
 *
 * - lockd.so: ACQUIRE_RESOURCE or RELEASE_RESOURCE; after RESTRICT virtlockd must deny it
 *   (OPERATION_DENIED) and change nothing.
 * - sanlock.so: ACQUIRE or RELEASE for itself (`SANLK_SELF`) of the disk's automatic lease;
 *   after `sanlock_restrict(SANLK_RESTRICT_ALL)` the daemon must refuse it (-EPERM).
 */
import { leaseOf } from '../sanlock/naming.ts';
import { sanlockError } from '../sanlock/result-codes.ts';
import { Command, decodeReplyHeader, Requests } from '../sanlock/wire.ts';
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

/**
 * The stand-in's own sanlock call on the connection sanlock.so leaked into it, for the disk's
 * lease in `diskLeaseDir`; resolves on success, rejects with the daemon's answer as a
 * SanlockError.
 */
export async function ownSanlockCall(vm: HelperVm, operation: 'acquire' | 'release', path: string,
  mode: LockMode, diskLeaseDir: string): Promise<void> {
  const lease = leaseOf({ kind: 'disk', name: path, mode }, diskLeaseDir)!;
  const frame = operation === 'acquire'
    ? Requests.acquire([lease], { self: true }, `guest-${vm.pid}`)
    : Requests.release([lease], { self: true });
  const header = decodeReplyHeader(await vm.rpc(frame, 'sanlock'));
  if (header.cmd !== (operation === 'acquire' ? Command.ACQUIRE : Command.RELEASE) ||
      header.result < 0) {
    throw sanlockError(header.result < 0 ? header.result : -71, operation,
      `lease ${lease.lockspace}:${lease.name} for the guest itself`,
      { driver: 'libvirt-sanlock', resource: path });
  }
}
