/**
 * Lock owner identities as virtlockd sees them (the REGISTER arguments), and the *neutral*
 * identity lockchart's own service connections register with.
 *
 * virtlockd kills the registered pid when a connection whose peer *is* that pid closes while
 * the pid holds locks. A service connection therefore never registers the pid of the process
 * that opens it: it registers a pid above the kernel's PID_MAX_LIMIT, which no process can
 * have, so closing it can never release or kill anything.
 */
import { lockError } from '../../contract/errors.ts';
import type { DomainParams } from '../../contract/params.ts';
import type { LockOwner } from './protocol.ts';

/** The kernel's hard limit on pids (`PID_MAX_LIMIT`, 2^22 on 64-bit): pids are below it. */
export const PID_MAX_LIMIT = 4_194_304;

/** An identity no process can have: for keeper, management and probe connections. */
export function neutralOwner(name: string, ordinal = 1): LockOwner {
  const hex = ordinal.toString(16).padStart(12, '0').slice(-12);
  const uuid = `00000000-0000-4000-8000-${hex}`;
  return { uuid, name, id: ordinal, pid: PID_MAX_LIMIT + ordinal };
}

/** The owner a lock manager object stands for (libvirt: the VM's uuid, name, id and pid). */
export function ownerOf(params: DomainParams, operation: string): LockOwner {
  const { id, uuid, name, pid } = params;
  if (id === undefined || id === 0 || uuid === undefined || name === undefined) {
    throw lockError('INVALID_ARG', 'lockd needs the id (non-zero), uuid and name parameters',
      { operation, driver: 'lockd' });
  }
  if (pid === undefined) {
    throw lockError('OPERATION_INVALID',
      'the object has no pid parameter, so there is no owner to act for',
      { operation, driver: 'lockd' });
  }
  return { uuid, name, id, pid };
}
