/** OS errors (Node's `ErrnoException`) as typed SYSTEM_ERRORs carrying the positive errno. */
import { constants } from 'node:os';
import { LockError } from '../../contract/errors.ts';

export interface SystemErrorContext {
  readonly operation: string;
  readonly driver: string;
  readonly resource?: string;
}

/** The positive errno of an OS error (`ENOENT` → 2), when it has one. */
export function errnoOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  return (constants.errno as Record<string, number | undefined>)[code];
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SYSTEM_ERROR `<what>: <OS message>`, with the errno; a LockError passes through unchanged. */
export function systemError(error: unknown, what: string, context: SystemErrorContext): LockError {
  if (error instanceof LockError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const errno = errnoOf(error);
  return new LockError({
    code: 'SYSTEM_ERROR',
    message: `${what}: ${reason}`,
    ...context,
    ...(errno !== undefined ? { errno } : {}),
  }, { cause: error });
}
