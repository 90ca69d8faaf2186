/**
 * libvirtd's call made across a virtlockd re-exec, so that its reply may really be lost — what
 * the simulator's `daemon-reexec` fault chooses when it loses a reply (the call took effect, no
 * answer came: OPERATION_TIMEOUT, outcome unknown).
 *
 * The call is the lockd driver's own sequence — the managed lockspace created, REGISTER the
 * owner's pid on a management connection, then one RPC per lock of each resource (alias lock
 * first on acquire, last on release) — except that its *last* request is written right
 * before SIGUSR1 is sent. Every request reaches the daemon before the signal, so the call takes
 * full effect, as the model says; its last reply is lost when the old image had queued it but not
 * yet written it when it left its event loop (reference §5: 6 of 10 re-execs lost one). The
 * connection is fresh and registered in its first write, so it is never the unregistered
 * connection that makes a re-exec fail, and closing it afterwards releases nothing.
 */
import { identity } from '../../contract/identity.ts';
import { flagsOfMode, ResourceType } from '../../contract/flags.ts';
import { LockdClient } from '../../drivers/lockd/client.ts';
import { parseLockdConfig } from '../../drivers/lockd/config.ts';
import { managedLockspace, resolveTargets, type LockdTarget } from '../../drivers/lockd/naming.ts';
import { neutralOwner } from '../../drivers/lockd/owners.ts';
import type { ProcedureCall } from '../../drivers/lockd/protocol.ts';
import { validateResource } from '../../contract/resources.ts';
import { replyOf, type LockCallKind, type RealDisk, type RealReply } from '../backend.ts';
import type { LockdHost } from './host.ts';

function request(kind: 'acquire' | 'release', target: LockdTarget): ProcedureCall {
  return kind === 'acquire'
    ? { procedure: 'ACQUIRE_RESOURCE', path: target.lockspace, name: target.name,
      flags: target.flags }
    : { procedure: 'RELEASE_RESOURCE', path: target.lockspace, name: target.name, flags: 0 };
}

/** Makes the call with the host's daemon re-executing under its last reply (module comment). */
export async function callAcrossReexec(host: LockdHost, kind: LockCallKind, pid: number,
  disks: readonly RealDisk[], timeoutMs: number): Promise<RealReply> {
  if (kind === 'inquire') { // no RPC at all in lockd: nothing to lose
    await host.daemon.reexec();
    return { ok: true, output: null };
  }
  let client: LockdClient | null = null;
  try {
    const config = parseLockdConfig(host.config);
    const targets: LockdTarget[] = [];
    for (const [path, mode] of disks) {
      const locks = await resolveTargets(validateResource(ResourceType.DISK, path,
        flagsOfMode(mode)), config);
      targets.push(...(kind === 'release' ? locks.reverse() : locks));
    }
    client = await LockdClient.connect(host.daemon.socketPath,
      { register: neutralOwner('lockchart-reexec-call'), timeoutMs });
    const calls: ProcedureCall[] = [
      { procedure: 'CREATE_LOCKSPACE', path: managedLockspace(config) },
      { procedure: 'REGISTER', owner: { ...identity(pid), pid }, flags: 0 },
      ...targets.map((target) => request(kind, target)),
    ];
    for (const call of calls.slice(0, -1)) await client.call(call);
    const open = client;
    let last: Promise<void> = Promise.resolve();
    await host.daemon.reexec({ beforeSignal: () => {
      last = open.call(calls.at(-1)!);
      last.catch(() => {}); // judged below, after the re-exec
    } });
    await last;
    return { ok: true, output: null };
  } catch (error) {
    return replyOf(error);
  } finally {
    await client?.close();
  }
}
