/**
 * The guest's "own restricted connection", for the kernel-lock drivers. These drivers give the
 * guest no lock connection at all: the locks are held by a process the guest is not (the
 * supervisor, or libvirtd) through descriptors the guest does not have. What a guest *can* do is
 * open its disk and go at byte 0 itself. So a rogue call is exactly that, made by the VM
 * stand-in through a fresh descriptor it closes again:
 *
 * - acquire: it tries an exclusive lock on byte 0 (the strongest claim: a shared claim on a
 *   shared disk is compatible by design and takes nothing from anyone). Refused by the kernel =
 *   the model's OPERATION_DENIED; granted = the guest could lock its disk itself, a success.
 * - release: it unlocks byte 0 through its descriptor. If the disk's locks are the same after
 *   as before, nothing changed = OPERATION_DENIED; if a lock went, the guest dropped it.
 *
 * The model's restricted connection answers OPERATION_DENIED and changes nothing; a divergence
 * here means a guest can take or drop a lock behind libvirt's back.
 */
import type { ProcLock } from '../../system/proc-locks.ts';
import type { SupervisorAgent } from '../../drivers/kernel/supervisor/agent.ts';
import type { RealReply } from '../backend.ts';
import { describeKernelLocks, diskLocksNow } from './observe.ts';
import type { DiskIdentity } from './world.ts';

export interface GuestTry {
  readonly agent: SupervisorAgent;
  /** The disk's index among the stand-in's open disks. */
  readonly index: number;
  readonly disk: number;
  readonly op: 'acquire' | 'release';
  readonly primitive: 'ofd' | 'posix';
  readonly disks: readonly DiskIdentity[];
}

const key = (lock: ProcLock) => `${lock.kind}/${lock.mode}/${lock.pid}`;

function sameLocks(a: readonly ProcLock[], b: readonly ProcLock[]): boolean {
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((entry, i) => entry === right[i]);
}

const denied = (message: string): RealReply => ({ ok: false, code: 'OPERATION_DENIED', message });

export async function guestOwnCall(attempt: GuestTry): Promise<RealReply> {
  const { agent, index, disk, op, primitive, disks } = attempt;
  const before = diskLocksNow(disks, disk);
  const answer = await agent.vmCommand({ type: op === 'acquire' ? 'trylock' : 'unlock',
    disk: index, primitive });
  const after = diskLocksNow(disks, disk);
  if (op === 'acquire') {
    return answer === 'ok trylock got' ? { ok: true, output: null }
      : denied(`the kernel refused the guest's own exclusive ${primitive} lock on byte 0 of ` +
        `disk${disk} (held: ${describeKernelLocks(before)})`);
  }
  return sameLocks(before, after)
    ? denied(`the guest's own unlock of byte 0 of disk${disk} dropped nothing ` +
      `(held: ${describeKernelLocks(after)})`)
    : { ok: true, output: null };
}
