/**
 * The drivers the simulator can step: built-in service models (`nop`, `model`, `model-indirect`),
 * the canaries, and a user's own model loaded from a module path and checked against the
 * contract. Real drivers (kernel locks, virtlockd) are run in real mode instead.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DriverConfig } from '../../drivers/driver.ts';
import { lockdModel } from '../../drivers/model/lockd-model.ts';
import { nopModel } from '../../drivers/nop/nop-model.ts';
import type { LockServiceModel } from '../../drivers/service.ts';
import { CANARIES } from '../canaries/canaries.ts';
import { checkModel } from './check-model.ts';

export interface SimDriver {
  readonly name: string;
  readonly model: LockServiceModel<unknown>;
  readonly config: DriverConfig;
}

const asSim = (model: LockServiceModel<never>, config: DriverConfig = {}, name = model.name):
  SimDriver => ({ name, model: model as LockServiceModel<unknown>, config });

/** The built-in drivers the safety matrix runs by default. */
export const BUILTIN_DRIVERS: readonly SimDriver[] = [
  asSim(nopModel as LockServiceModel<never>),
  asSim(lockdModel as LockServiceModel<never>),
];

const NAMED: readonly SimDriver[] = [
  ...BUILTIN_DRIVERS,
  asSim(lockdModel as LockServiceModel<never>,
    { file_lockspace_dir: '/var/lib/libvirt/lockd/files' }, 'model-indirect'),
  // The model of the kernel-lock drivers (ofd, posix): libvirt's names plus alias locks, direct
  // locks on the file itself, and owners watched.
  asSim(lockdModel as LockServiceModel<never>,
    { alias_locks: true, inode_locks: true, watch_owners: true }, 'model-kernel'),
  // The model of the real lockd driver: virtlockd's semantics, libvirt's names plus alias locks.
  asSim(lockdModel as LockServiceModel<never>, { alias_locks: true }, 'model-lockd'),
  ...CANARIES.map((canary) => asSim(canary.model as LockServiceModel<never>)),
];

export function driverNames(): string[] {
  return NAMED.map((driver) => driver.name);
}

export class DriverLoadError extends Error {
  override readonly name = 'DriverLoadError';
}

function looksLikePath(spec: string): boolean {
  return spec.includes('/') || /\.(m?[jt]s)$/.test(spec);
}

/** Resolves `--driver NAME|PATH`. */
export async function resolveSimDriver(spec: string): Promise<SimDriver> {
  const named = NAMED.find((driver) => driver.name === spec);
  if (named) return named;
  if (!looksLikePath(spec)) {
    throw new DriverLoadError(`unknown driver '${spec}' (built in: ${driverNames().join(', ')}; ` +
      'or give a module path)');
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(resolve(spec)).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new DriverLoadError(`cannot load driver module '${spec}': ${reason}`);
  }
  const candidate = module['model'] ?? module['default'];
  const problem = checkModel(candidate);
  if (problem) throw new DriverLoadError(`'${spec}' is not a lockchart driver model: ${problem}`);
  const model = candidate as LockServiceModel<unknown>;
  const config = (module['config'] ?? {}) as DriverConfig;
  return { name: model.name, model, config };
}
