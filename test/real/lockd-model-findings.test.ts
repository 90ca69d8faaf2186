/**
 * What differential testing against the real virtlockd corrected in the lockd model
 * (`docs/real-mode.md`, "lockd: findings"). Each case is the smallest form of the divergence.
 */
import { describe, expect, it } from 'vitest';
import { lockdModel, type LockdState } from '../../drivers/model/lockd-model.ts';
import type { ServiceReply } from '../../contract/service.ts';

const disk = { kind: 'disk', name: '/shared/disk2.img', mode: 'shared' } as const;
const request = (pid: number, host: number) => ({ owner: { pid, host }, resources: [disk] });
const codeOf = (reply: ServiceReply<LockdState, unknown>) => (reply.ok ? 'ok' : reply.error.code);

describe('lockd model findings', () => {
  it('1: a release on a host whose daemon holds nothing of the disk is "not locked"', () => {
    // Host 0's daemon holds disk2 for pid 101; host 1's virtlockd has its own, empty table.
    const held = lockdModel.acquire(lockdModel.initial({}), request(101, 0));
    expect(codeOf(held)).toBe('ok');
    const elsewhere = lockdModel.release(held.state, request(100, 1));
    expect(elsewhere.ok ? null : elsewhere.error).toMatchObject({ code: 'RESOURCE_BUSY',
      message: "resource busy: Lockspace resource '/shared/disk2.img' is not locked" });
    // On the holder's own host it is the table's answer: locked, by someone else.
    expect(codeOf(lockdModel.release(held.state, request(102, 0)))).toBe('INTERNAL_ERROR');
    // Nothing changed either way.
    expect(lockdModel.grants(elsewhere.state)).toEqual(lockdModel.grants(held.state));
  });

  it('1: the kernel-lock variant answers from the kernel, for every host, as before', () => {
    const watched = lockdModel.initial({ watch_owners: true });
    const held = lockdModel.acquire(watched, request(101, 0));
    expect(codeOf(lockdModel.release(held.state, request(100, 1)))).toBe('INTERNAL_ERROR');
  });
});
