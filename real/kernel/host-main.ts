/**
 * A host's libvirtd in miniature, for real mode's `posix-naive` driver: a process of its own
 * that loads the naive POSIX driver (locks held in this very process, `drivers/posix/naive.ts`)
 * and makes the calls it is sent over its IPC channel. It exists because POSIX locks of one
 * process never conflict with each other: two hosts' libvirtds must be two processes. It can
 * also read a disk's header, which is how the POSIX trap strikes it.
 *
 * Requests: `{ id, request }` with `request` one of `call`, `ownerGone`, `probe`; each answered
 * by `{ id, ok: true, value }` or `{ id, ok: false, error }` (a bug, not a lock error: lock
 * errors are values). It exits when its channel closes, so it never outlives its run.
 */
import { LOCK_MANAGER_VERSION } from '../../contract/flags.ts';
import type { LockDriver } from '../../contract/driver.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { createNaivePosixDriver } from '../../drivers/posix/naive.ts';
import { driverCall, type DriverCallKind } from './call.ts';
import { readImageHeader } from './image.ts';

export type HostRequest =
  | { readonly op: 'call'; readonly kind: DriverCallKind; readonly pid: number;
      readonly resources: readonly ResourceSpec[]; readonly lockState: string | null }
  | { readonly op: 'ownerGone'; readonly pid: number }
  | { readonly op: 'probe'; readonly path: string };

const send = process.send?.bind(process);
if (!send) {
  process.stderr.write('kernel-host-main: must be started with an IPC channel\n');
  process.exit(2);
}

const driver = createNaivePosixDriver();
await driver.init(LOCK_MANAGER_VERSION, {}, 0);

async function handle(request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case 'call':
      return driverCall(driver as LockDriver<unknown>, request.kind, request.pid,
        request.resources, request.lockState);
    case 'ownerGone':
      return driver.backend().ownerGone(request.pid);
    case 'probe':
      return readImageHeader(request.path);
  }
}

process.on('message', (message: { id: number; request: HostRequest }) => {
  handle(message.request).then(
    (value) => ({ id: message.id, ok: true, value: value ?? null }),
    (error: unknown) => ({ id: message.id, ok: false,
      error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  ).then((reply) => {
    if (process.connected) send(reply);
  });
});
process.on('disconnect', () => process.exit(0));
send({ ready: process.pid });
