/** The in-memory harness for service-backed drivers (nop, model, canaries). */
import { LockManagerPlugin } from '../../api/plugin.ts';
import { toParamList } from '../../contract/params.ts';
import { AcquireFlags, ObjectType, ResourceType } from '../../contract/flags.ts';
import type { DriverConfig } from '../../contract/driver.ts';
import type { ServiceDriver } from '../../drivers/service-driver.ts';
import type { ConformanceHarness, HarnessFactory } from '../harness.ts';
import { identity } from '../../contract/identity.ts';

export function serviceHarness(
  makeDriver: () => ServiceDriver,
  config: DriverConfig = {},
): HarnessFactory {
  return async (): Promise<ConformanceHarness> => {
    const driver = makeDriver();
    let nextPid = 4000;
    let plugin: LockManagerPlugin | null = null;
    const load = async () => (plugin ??= await LockManagerPlugin.load(driver, { config }));
    return {
      driver,
      config,
      disk: async (name) => `/conformance/${name}.img`,
      async spawnOwner() {
        const pid = nextPid++;
        let registered = false;
        const ownObject = async (disks: readonly string[]) => {
          const p = await load();
          const man = await p.new(ObjectType.DOMAIN, toParamList({ ...identity(pid), pid }), 0);
          for (const disk of disks) await p.addResource(man, ResourceType.DISK, disk, [], 0);
          return { p, man };
        };
        return {
          pid,
          async register({ restrict, disks }) {
            const { p, man } = await ownObject(disks);
            const flags = AcquireFlags.REGISTER_ONLY | (restrict ? AcquireFlags.RESTRICT : 0);
            await p.acquire(man, null, flags, 0);
            await p.free(man);
            registered = true;
          },
          async callOwn(operation, disk) {
            if (!registered) throw new Error('callOwn before register');
            await driver.callFromOwner(pid, operation, [{ kind: 'disk', name: disk, mode: 'exclusive' }]);
          },
          async exit() {
            driver.ownerGone(pid);
          },
        };
      },
      async cleanup() {
        await driver.deinit();
      },
    };
  };
}
