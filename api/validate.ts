/**
 * The wrapper's argument checks (`lock_manager.c`), shared by the libvirt face and by the
 * simulator's lock operations, so both run the very same checks before a driver sees a call.
 */
import { lockError } from '../contract/errors.ts';
import { AcquireFlags, checkFlags, FailureAction } from '../contract/flags.ts';

const ACTIONS = new Set<number>(Object.values(FailureAction));

/** `virLockManagerAcquire`: flags REGISTER_ONLY and RESTRICT, a known failure action, a state. */
export function validateAcquire(state: unknown, flags: number, action: number): void {
  checkFlags(flags, AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT, 'virLockManagerAcquire');
  if (!ACTIONS.has(action)) {
    throw lockError('INVALID_ARG', `unknown lock failure action ${action}`, { operation: 'acquire' });
  }
  if (state !== null && typeof state !== 'string') {
    throw lockError('INVALID_ARG', 'state must be a string or null', { operation: 'acquire' });
  }
}

/** Calls that define no flags (`virLockManagerRelease`, `virLockManagerInquire`): must be 0. */
export function validateNoFlags(flags: number, operation: string): void {
  checkFlags(flags, 0, operation);
}
