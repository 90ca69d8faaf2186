/**
 * The real drivers real mode can run, by name. Each is loaded on demand (kernel-lock drivers
 * load native addons; lockd starts daemons), so the simulator itself never pays for them.
 */
import type { RealBackend } from './backend.ts';

type Factory = () => Promise<RealBackend>;

const FACTORIES: Readonly<Record<string, Factory>> = {
  ofd: async () => (await import('./kernel-backend.ts')).kernelBackend('ofd'),
  posix: async () => (await import('./kernel-backend.ts')).kernelBackend('posix'),
  'posix-naive': async () => (await import('./kernel-backend.ts')).kernelBackend('posix-naive'),
  lockd: async () => (await import('./lockd-backend.ts')).lockdBackend(),
};

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
