/**
 * One lock call the way libvirtd makes it (`domain_lock.c`): a fresh driver object for the
 * owner pid, its resources added one by one, one call, free. Used for every call real mode makes
 * through a kernel-lock driver, in this process or in a host's own process.
 */
import type { LockDriver } from '../../contract/driver.ts';
import { isLockError } from '../../contract/errors.ts';
import { AcquireFlags, FailureAction, NewFlags, ObjectType } from '../../contract/flags.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { identity } from '../../contract/identity.ts';
import type { RealReply } from '../backend.ts';

/** `register` is the child's acquire(REGISTER_ONLY | RESTRICT) before exec. */
export type DriverCallKind = 'register' | 'acquire' | 'release' | 'inquire';

const REGISTER_FLAGS = AcquireFlags.REGISTER_ONLY | AcquireFlags.RESTRICT;

/**
 * Makes the call for owner `pid` (a real pid) and answers in the model's terms; a LockError is
 * an answer, anything else a bug that propagates.
 */
export async function driverCall(
  driver: LockDriver<unknown>,
  kind: DriverCallKind,
  pid: number,
  resources: readonly ResourceSpec[],
  lockState: string | null,
): Promise<RealReply> {
  let object: unknown;
  try {
    // The forked child registers a process it just started: NEW_STARTED, as domain_lock.c does.
    object = await driver.create({ type: ObjectType.DOMAIN, params: { ...identity(pid), pid },
      flags: kind === 'register' ? NewFlags.NEW_STARTED : 0 });
    for (const resource of resources) await driver.addResource(object, resource);
    switch (kind) {
      case 'register':
        await driver.acquire(object, { state: null, flags: REGISTER_FLAGS,
          action: FailureAction.DEFAULT });
        return { ok: true, output: null };
      case 'acquire':
        await driver.acquire(object, { state: lockState, flags: 0, action: FailureAction.DEFAULT });
        return { ok: true, output: null };
      case 'release':
        return { ok: true, output: await driver.release(object, 0) };
      case 'inquire':
        return { ok: true, output: await driver.inquire(object, 0) };
    }
    throw new Error(`invariant: unknown driver call '${String(kind)}'`);
  } catch (error) {
    if (isLockError(error)) return { ok: false, code: error.code, message: error.message };
    throw error;
  } finally {
    if (object !== undefined) await driver.free(object);
  }
}
