/** The `nop` driver: accepts everything, locks nothing (libvirt's default). */
import { createServiceDriver, type ServiceDriver } from '../service-driver.ts';
import { nopModel, type NopState } from './nop-model.ts';

export function createNopDriver(options: { host?: number } = {}): ServiceDriver<NopState> {
  return createServiceDriver(nopModel, options);
}
