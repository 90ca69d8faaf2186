/**
 * The bound of libvirt's lockspace join retries (§6 #29): -EINPROGRESS is waited out with
 * INQ_LOCKSPACE(WAIT) and retried, and after LOCKSPACE_RETRIES answers in a row the join fails
 * with SYSTEM_ERROR EINPROGRESS. The real daemon's EINPROGRESS is in
 * test/slow/sanlock-einprogress.test.ts; a daemon stuck in it for ten waits cannot be made on
 * purpose, so the bound is checked against a scripted client here.
 */
import { describe, expect, it } from 'vitest';
import type { SanlockClient } from '../../drivers/sanlock/client.ts';
import { joinLockspace, LOCKSPACE_RETRIES } from '../../drivers/sanlock/lease-files.ts';
import { autoDiskLockspace } from '../../drivers/sanlock/naming.ts';
import { EEXIST, EINPROGRESS } from '../../drivers/sanlock/result-codes.ts';
import { LockspaceFlag } from '../../drivers/sanlock/wire.ts';

/** A client whose ADD_LOCKSPACE answers come from a script; it logs every command. */
function scripted(answers: number[]) {
  const log: string[] = [];
  const client = {
    addLockspace: async () => {
      log.push('add');
      return answers.shift() ?? 0;
    },
    inqLockspace: async (_lockspace: unknown, flags: number) => {
      log.push(flags === LockspaceFlag.INQ_WAIT ? 'inq-wait' : 'inq');
      return 0;
    },
  } as unknown as SanlockClient;
  return { client, log };
}

const LOCKSPACE = autoDiskLockspace('/nonexistent/leases', 1);

describe('joining the lockspace (§6 #29)', () => {
  it('LOCKSPACE_RETRIES is libvirt’s 10', () => {
    expect(LOCKSPACE_RETRIES).toBe(10);
  });

  it('waits out EINPROGRESS with INQ_WAIT, then takes "already joined" as success', async () => {
    const { client, log } = scripted([-EINPROGRESS, -EINPROGRESS, -EEXIST]);
    expect(await joinLockspace(client, LOCKSPACE, 1)).toBe(false);
    expect(log).toEqual(['add', 'inq-wait', 'add', 'inq-wait', 'add']);
  });

  it('succeeds on the tenth try, and fails with SYSTEM_ERROR EINPROGRESS after ten', async () => {
    const nine = scripted(Array<number>(9).fill(-EINPROGRESS));
    expect(await joinLockspace(nine.client, LOCKSPACE, 1)).toBe(true);
    expect(nine.log.filter((entry) => entry === 'add')).toHaveLength(10);
    const ten = scripted(Array<number>(10).fill(-EINPROGRESS));
    await expect(joinLockspace(ten.client, LOCKSPACE, 1)).rejects.toMatchObject({
      code: 'SYSTEM_ERROR', errno: EINPROGRESS, operation: 'add_lockspace' });
    expect(ten.log.filter((entry) => entry === 'add')).toHaveLength(10);
    expect(ten.log.at(-1)).toBe('add');
  });
});
