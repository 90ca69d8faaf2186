/**
 * The typed error for a call the machine does not accept in its current state. XState leaves an
 * unhandled event's snapshot untouched; the API faces turn that into OPERATION_INVALID naming the
 * call, the state, and what the state means (its description in the machine definition).
 */
import type { AnyMachineSnapshot, AnyStateNode } from 'xstate';
import { lockError, type LockError } from '../contract/errors.ts';

/** The deepest active states, dotted, with their descriptions where the machine gives one. */
export function describeState(snapshot: AnyMachineSnapshot): string {
  const leaves = (snapshot._nodes as AnyStateNode[]).filter((node) => node.type === 'atomic' ||
    node.type === 'final');
  const names = leaves.map((node) => node.path.join('.'));
  const described = (snapshot._nodes as AnyStateNode[])
    .filter((node) => node.description && node.path.length > 0)
    .map((node) => node.description as string);
  const hint = described.length > 0 ? ` (${described[described.length - 1]})` : '';
  return `'${names.join(' + ')}'${hint}`;
}

export function rejection(
  machine: string,
  snapshot: AnyMachineSnapshot,
  operation: string,
): LockError {
  if (snapshot.status !== 'active') {
    return lockError('OPERATION_INVALID', `${operation}: the ${machine} has been freed`, {
      operation,
    });
  }
  return lockError('OPERATION_INVALID',
    `${operation}: not allowed while the ${machine} is in state ${describeState(snapshot)}`,
    { operation });
}
