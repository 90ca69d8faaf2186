/**
 * The sanlock owner program: a real process standing in for QEMU, doing libvirt's child's part
 * through the sanlock driver with its *own* pid, so the registered connection belongs to it and
 * lives until it dies (when the daemon releases the owner's leases); libvirtd's side (another
 * process) acquires on its behalf. The protocol — register, own calls, records, `drop` — is every
 * owner program's (`../owner-program.ts`), driven by lockd's `OwnerProcess`: a call through its
 * own registration creates its object without NEW_STARTED (the driver then finds the owner
 * registered), and `drop` closes its registrations, as QEMU closing the leaked fd.
 *
 * Its argument is the driver configuration (JSON), plus `lockchart_owner` for the stand-in
 * itself: `ignoreSigterm` (a holder that survives the daemon's SIGTERMs until SIGKILL) and
 * `signalLog` (a file it appends "SIGTERM <ms since epoch>" lines to).
 */
import { appendFileSync } from 'node:fs';
import { serveOwner } from '../owner-program.ts';
import { createSanlockDriver } from './driver.ts';

interface OwnerOptions {
  readonly ignoreSigterm?: boolean;
  readonly signalLog?: string;
}

const driver = createSanlockDriver();

async function drop(): Promise<boolean> {
  const open = driver.ownRegistrations.filter((registration) => registration.open);
  await Promise.all(open.map((registration) => registration.close()));
  return open.length > 0;
}

const { lockchart_owner: ownerOptions = {}, ...config } =
  JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown> & { lockchart_owner?: OwnerOptions };
if (ownerOptions.ignoreSigterm || ownerOptions.signalLog) {
  process.on('SIGTERM', () => {
    if (ownerOptions.signalLog) appendFileSync(ownerOptions.signalLog, `SIGTERM ${Date.now()}\n`);
    if (!ownerOptions.ignoreSigterm) process.exit(143);
  });
}
serveOwner({ driver, ownCallFlags: 0, drop }, config, 'sanlock owner');
