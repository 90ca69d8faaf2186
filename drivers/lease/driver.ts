/** The `lease` driver: sanlock's leases on the virtual clock, in memory (see `model.ts`). */
import type { DriverConfig } from '../../contract/driver.ts';
import { createServiceDriver, type ServiceDriver } from '../service-driver.ts';
import { leaseModel } from './model.ts';
import type { LeaseState } from './state.ts';

export function createLeaseDriver(options: { host?: number } = {}): ServiceDriver<LeaseState> {
  return createServiceDriver(leaseModel, options);
}

/**
 * The lease model as the real sanlock daemons of this repository run (`daemons/sanlock.ts`):
 * io_timeout 1 s, no watchdog (`-w 0`: there is no /dev/watchdog here), sanlock's default kill
 * grace (40 s). Real mode compares the `sanlock` driver with it.
 */
export const SANLOCK_DAEMON_CONFIG: DriverConfig = {
  io_timeout: 1, use_watchdog: 0, kill_grace_seconds: 40,
};
