/**
 * The real-mode backend of a driver offer (`sim/resolve-driver.ts` resolves the name or
 * module). The built-in families have backends of their own; any other `LockDriver` runs on the
 * generic one (`plugin-backend.ts`). Each loads on demand (kernel-lock drivers load native
 * addons; lockd starts daemons), so the simulator itself never pays for them.
 */
import { existsSync } from 'node:fs';
import { privateDaemonMissing } from '../daemons/sanlock.ts';
import { libvirtSupport } from '../drivers/libvirt/build.ts';
import type { DriverFamily, DriverOffer } from '../drivers/registry/offer.ts';
import { builtinDriver, realDriverNames, resolveDriver } from '../sim/resolve-driver.ts';
import type { RealBackend } from './backend.ts';

export { realDriverNames } from '../sim/resolve-driver.ts';

/** The real drivers the safety matrix runs by default (posix-naive only demonstrates a trap). */
export const MATRIX_REAL_DRIVERS = ['ofd', 'posix', 'lockd'] as const;

const NEEDS: Readonly<Record<DriverFamily, readonly string[]>> = {
  ofd: ['/proc/locks'],
  posix: ['/proc/locks'],
  'posix-naive': ['/proc/locks'],
  lockd: ['/proc/locks', '/usr/sbin/virtlockd', '/usr/bin/systemd-socket-activate'],
  sanlock: ['/usr/sbin/sanlock'],
  'libvirt-lockd': ['/proc/locks', '/usr/sbin/virtlockd', '/usr/bin/systemd-socket-activate'],
  'libvirt-sanlock': ['/usr/sbin/sanlock'],
  generic: [],
};

/** Why a real driver cannot run on this machine (a missing file), or null when it can. */
export function unavailable(driver: string | DriverOffer): string | null {
  const offer = typeof driver === 'string' ? builtinDriver(driver) : driver;
  const family = offer?.driver?.family;
  const missing = (family ? NEEDS[family] : []).filter((path) => !existsSync(path));
  if (missing.length > 0) return `${missing.join(' and ')} not found`;
  if (family === 'sanlock') return privateDaemonMissing();
  if (family === 'libvirt-lockd') return libvirtSupport('lockd');
  return family === 'libvirt-sanlock' ? libvirtSupport('sanlock') : null;
}

export class RealDriverError extends Error {
  override readonly name = 'RealDriverError';
}

/** The backend that runs `offer` in real mode. */
export async function realBackendFor(offer: DriverOffer): Promise<RealBackend> {
  const driver = offer.driver;
  if (!driver) {
    const known = realDriverNames();
    throw new RealDriverError(`real mode needs a LockDriver and '${offer.name}' ` +
      (offer.origin.kind === 'module'
        ? `(${offer.origin.path}) exports no 'createDriver'`
        : `is a model only (real drivers: ${known.join(', ')}, or a module exporting createDriver)`));
  }
  switch (driver.family) {
    case 'ofd':
    case 'posix':
    case 'posix-naive':
      return (await import('./kernel/backend.ts')).kernelBackend(driver.family);
    case 'lockd':
      return (await import('./lockd/backend.ts')).lockdBackend();
    case 'sanlock':
      // lockchart's sanlock driver, one private sanlock daemon per host: real/sanlock/.
      return (await import('./sanlock/backend.ts')).sanlockBackend();
    case 'libvirt-lockd': {
      // libvirt's own lock manager (libvirt.so.0 + lockd.so) through the helper: real/libvirt/.
      const why = libvirtSupport('lockd');
      if (why !== null) throw new RealDriverError(`real driver 'libvirt-lockd' cannot run here: ${why}`);
      return (await import('./libvirt/backend.ts')).libvirtBackend();
    }
    case 'libvirt-sanlock': {
      // libvirt's sanlock.so through the helper, one private sanlock daemon per host.
      const why = libvirtSupport('sanlock');
      if (why !== null) throw new RealDriverError(`real driver 'libvirt-sanlock' cannot run here: ${why}`);
      return (await import('./libvirt/sanlock-flavour.ts')).libvirtSanlockBackend();
    }
    case 'generic': {
      if (!offer.reference) {
        throw new RealDriverError(`real mode compares a driver with a model, and '${offer.name}' ` +
          "names none: export 'reference' (a built-in model's name, e.g. model-kernel, or a " +
          "service model) or 'model' from the module (docs/plugins.md)");
      }
      return (await import('./plugin/backend.ts')).pluginBackend(offer.name, driver,
        offer.reference);
    }
  }
}

/** The backend of a real driver named on the command line (a built-in name or a module). */
export async function realBackend(spec: string): Promise<RealBackend> {
  return realBackendFor(await resolveDriver(spec));
}
