/**
 * The real drivers real mode can run, by name. Each is loaded on demand (kernel-lock drivers
 * load native addons; lockd starts daemons), so the simulator itself never pays for them.
 */
import { existsSync } from 'node:fs';
import { libvirtSupport } from '../drivers/libvirt/build.ts';
import type { RealBackend } from './backend.ts';

type Factory = () => Promise<RealBackend>;

const FACTORIES: Readonly<Record<string, Factory>> = {
  ofd: async () => (await import('./kernel-backend.ts')).kernelBackend('ofd'),
  posix: async () => (await import('./kernel-backend.ts')).kernelBackend('posix'),
  'posix-naive': async () => (await import('./kernel-backend.ts')).kernelBackend('posix-naive'),
  lockd: async () => (await import('./lockd-backend.ts')).lockdBackend(),
  // libvirt's own lock manager (libvirt.so.0 + lockd.so) through the helper: real/libvirt/.
  'libvirt-lockd': async () => {
    const why = libvirtSupport('lockd');
    if (why !== null) throw new RealDriverError(`real driver 'libvirt-lockd' cannot run here: ${why}`);
    return (await import('./libvirt/backend.ts')).libvirtBackend();
  },
};

/** The real drivers the safety matrix runs by default (posix-naive only demonstrates a trap). */
export const MATRIX_REAL_DRIVERS = ['ofd', 'posix', 'lockd'] as const;

const NEEDS: Readonly<Record<string, readonly string[]>> = {
  ofd: ['/proc/locks'],
  posix: ['/proc/locks'],
  'posix-naive': ['/proc/locks'],
  lockd: ['/proc/locks', '/usr/sbin/virtlockd', '/usr/bin/systemd-socket-activate'],
  'libvirt-lockd': ['/proc/locks', '/usr/sbin/virtlockd', '/usr/bin/systemd-socket-activate'],
};

/** Why a real driver cannot run on this machine (a missing file), or null when it can. */
export function unavailable(name: string): string | null {
  const missing = (NEEDS[name] ?? []).filter((path) => !existsSync(path));
  if (missing.length > 0) return `${missing.join(' and ')} not found`;
  return name === 'libvirt-lockd' ? libvirtSupport('lockd') : null;
}

export function realDriverNames(): string[] {
  return Object.keys(FACTORIES);
}

export class RealDriverError extends Error {
  override readonly name = 'RealDriverError';
}

export async function realBackend(name: string): Promise<RealBackend> {
  const factory = FACTORIES[name];
  if (!factory) {
    const known = realDriverNames();
    throw new RealDriverError(`real mode has no driver '${name}'` +
      (known.length > 0 ? ` (real drivers: ${known.join(', ')})` : ' (no real driver is available)'));
  }
  return factory();
}
