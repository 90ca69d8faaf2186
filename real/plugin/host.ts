/**
 * One host's libvirtd with a plugin `LockDriver` loaded: an instance from the module's factory,
 * initialised with the module's configuration. A restart unloads it (`deinit`) and loads a
 * fresh one, as a restarted libvirtd would.
 */
import type { LockDriver } from '../../contract/driver.ts';
import { isLockError } from '../../contract/errors.ts';
import { LOCK_MANAGER_VERSION } from '../../contract/flags.ts';
import type { DriverImplementation } from '../../drivers/registry/offer.ts';
import type { HostLocks } from '../kernel/hosts.ts';
import { driverCall } from '../kernel/call.ts';
import { readImageHeader } from '../kernel/image.ts';
import { RealModeError } from '../runner.ts';

export async function pluginHost(implementation: DriverImplementation): Promise<HostLocks> {
  const load = async (): Promise<LockDriver<unknown>> => {
    const driver = await implementation.create() as LockDriver<unknown>;
    try {
      await driver.init(LOCK_MANAGER_VERSION, implementation.config, 0);
    } catch (error) {
      if (!isLockError(error)) throw error;
      throw new RealModeError(`driver '${driver.name}' refused to load: init: ${error.code}: ` +
        error.message);
    }
    return driver;
  };
  let driver = await load();
  return {
    agents: null,
    call: (kind, pid, resources, lockState) => driverCall(driver, kind, pid, resources, lockState),
    // libvirt has no callback for a dead owner: a driver notices by itself, as virtlockd and
    // sanlock do.
    async ownerGone() {},
    async probe(path) {
      readImageHeader(path);
    },
    async restart() {
      await driver.deinit().catch(() => {});
      driver = await load();
    },
    async close() {
      await driver.deinit().catch(() => {});
    },
  };
}
