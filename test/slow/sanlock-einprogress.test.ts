/**
 * §6 #29: sanlock's add_lockspace answers -EINPROGRESS while the same lockspace is being joined
 * (or left), and libvirt waits that out with INQ_LOCKSPACE(WAIT) and retries, at most 10 times.
 * Here the real daemon is put in that state: one libvirtd's join is under way (a delta lease takes
 * about 3 s at io_timeout 1) when a second one, for the same host_id, starts its own.
 */
import { afterAll, expect, it } from 'vitest';
import { SanlockClient } from '../../drivers/sanlock/client.ts';
import { ensureLockspaceFile, joinLockspace } from '../../drivers/sanlock/lease-files.ts';
import { autoDiskLockspace } from '../../drivers/sanlock/naming.ts';
import { EEXIST, EINPROGRESS } from '../../drivers/sanlock/result-codes.ts';
import type { SanlockLockspace } from '../../drivers/sanlock/wire.ts';
import { describeSanlock, SanlockScratch } from './sanlock-support.ts';

const scratch = new SanlockScratch();
afterAll(() => scratch.release());

/** A real client that remembers what the daemon answered to each ADD_LOCKSPACE. */
class RecordingClient extends SanlockClient {
  readonly answers: number[] = [];

  override async addLockspace(lockspace: SanlockLockspace, ioTimeoutS = 0, flags = 0) {
    const answer = await super.addLockspace(lockspace, ioTimeoutS, flags);
    this.answers.push(answer);
    return answer;
  }
}

describeSanlock('§6 #29: add_lockspace EINPROGRESS', () => {
  it('a join that meets another join in progress waits it out and retries: already joined', async () => {
    const daemon = await scratch.daemon();
    const lockspace = autoDiskLockspace(scratch.dir('lc-einprogress-'), 1);
    await ensureLockspaceFile(daemon.client, lockspace, 1);
    const first = new RecordingClient({ socket: daemon.socketPath });
    const second = new RecordingClient({ socket: daemon.socketPath });
    const firstJoin = joinLockspace(first, lockspace, 1);
    // The first join is under way once the daemon reports the lockspace as being added.
    for (let tries = 0; (await daemon.client.inqLockspace(lockspace)) !== -EINPROGRESS; tries++) {
      expect(tries, 'the first join never showed as in progress').toBeLessThan(200);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const secondJoined = await joinLockspace(second, lockspace, 1);
    expect(await firstJoin).toBe(true);
    expect(secondJoined).toBe(false);
    expect(first.answers).toEqual([0]);
    // The retry after INQ_WAIT finds it joined: libvirt's "already registered".
    expect(second.answers).toEqual([-EINPROGRESS, -EEXIST]);
    expect(await daemon.client.inqLockspace(lockspace)).toBe(0);
  });
});
