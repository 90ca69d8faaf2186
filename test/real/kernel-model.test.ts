/**
 * `model-kernel`, the reference of the kernel-lock drivers, watches owners as they do (found
 * by real mode: virtlockd's model grants a lock to a dead pid and keeps it, ofd and posix refuse
 * to lock for a dead owner and drop whatever an owner held when it dies). Plain `model` keeps
 * virtlockd's behaviour.
 */
import { describe, expect, it } from 'vitest';
import { lockdModel, type LockdState } from '../../drivers/model/lockd-model.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { KERNEL_CONFIG, KERNEL_REFERENCE } from '../../real/kernel/backend.ts';

const disk = { kind: 'disk', name: '/shared/disk0.img', mode: 'exclusive' } as const;
const owner = { pid: 100, host: 0 };
const acquire = (state: LockdState, pid = owner.pid) =>
  lockdModel.acquire(state, { owner: { pid, host: 0 }, resources: [disk] });

describe('model-kernel watches owners', () => {
  it('is the configuration the kernel backends declare', async () => {
    const driver = await resolveSimDriver(KERNEL_REFERENCE);
    expect(driver.config).toEqual(KERNEL_CONFIG);
  });

  it('drops what a dead owner held, registered or not, and kills nobody', () => {
    const state = lockdModel.initial(KERNEL_CONFIG);
    const held = acquire(state);
    expect(held.ok).toBe(true);
    const gone = lockdModel.ownerGone(held.state, owner);
    expect(gone).toMatchObject({ released: 1, kill: false });
    expect(lockdModel.grants(gone.state)).toEqual([]);
  });

  it('never locks for a dead owner, and says why', () => {
    const state = lockdModel.ownerGone(lockdModel.initial(KERNEL_CONFIG), owner).state;
    const reply = acquire(state);
    expect(reply.ok).toBe(false);
    expect(!reply.ok && reply.error).toMatchObject({ code: 'OPERATION_INVALID',
      message: 'owner pid 100 is not running' });
    expect(acquire(state, 101).ok).toBe(true);
    expect(lockdModel.encode(state)).toContain('|dead 100');
  });

  it('leaves virtlockd\'s model as it was: an unregistered owner\'s death releases nothing', () => {
    const held = acquire(lockdModel.initial({}));
    const gone = lockdModel.ownerGone(held.state, owner);
    expect(gone).toMatchObject({ released: 0, kill: false });
    expect(acquire(gone.state, 100).ok).toBe(false);
    expect(lockdModel.encode(held.state)).not.toContain('dead');
  });
});
