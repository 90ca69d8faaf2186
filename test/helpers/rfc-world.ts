/** The RFC face over one in-memory service: a plugin, its model supervisor, and managers. */
import { RfcPlugin, type RfcLockManager } from '../../api/rfc.ts';
import { modelSupervisor } from '../../api/supervisor.ts';
import { identity } from '../../contract/identity.ts';
import { createModelDriver } from '../../drivers/model/driver.ts';
import type { ServiceDriver } from '../../drivers/service-driver.ts';

export async function rfcWorld<S>(driver: ServiceDriver<S> = createModelDriver() as never,
  options: { killClosesConnection?: boolean } = {}) {
  const supervisor = modelSupervisor(options.killClosesConnection === false ? {} : { driver });
  const plugin = await RfcPlugin.load(driver, { supervisor });
  let nextId = 1;
  return {
    driver,
    supervisor,
    plugin,
    /** A manager with id, uuid and name set, not started. */
    async configured(): Promise<RfcLockManager> {
      const manager = await plugin.newManager();
      const { id, uuid, name } = identity(nextId++);
      await manager.setParameter('id', id);
      await manager.setParameter('uuid', uuid);
      await manager.setParameter('name', name);
      return manager;
    },
    /** A configured manager whose process has been started. */
    async started(): Promise<RfcLockManager> {
      const manager = await this.configured();
      await manager.start();
      return manager;
    },
    grants: () => driver.model.grants(driver.serviceState()),
    grantsOf: (pid: number | undefined) =>
      driver.model.grants(driver.serviceState()).filter((grant) => grant.owner === pid),
  };
}
