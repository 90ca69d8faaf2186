/**
 * What stays fixed during a run: the driver's service model, the storage layout and the
 * interned machines. Interned machines are shared by every run in a process, so their memo
 * tables warm up once.
 */
import type { DriverConfig, FailureSemantics } from '../../contract/driver.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { domainMachine } from '../../machines/domain.machine.ts';
import { processMachine } from '../../machines/process.machine.ts';
import { InternedMachine } from '../../machines/interned.ts';
import { DEFAULT_DESIGN, type Design } from './design.ts';
import type { WorldShape } from './shape.ts';
import { createStorage, type Storage } from './storage.ts';

export const DOMAIN = new InternedMachine('domain', domainMachine);
export const PROCESS = new InternedMachine('process', processMachine);

export interface SimContext {
  readonly model: LockServiceModel<unknown>;
  /**
   * What the driver under test declares its failures may leave behind: the set every injected
   * failure is drawn from, and what natural failures are held to. The model's own, unless real
   * mode checks a real driver against the model (then the real driver's).
   */
  readonly failure: FailureSemantics;
  readonly config: DriverConfig;
  readonly shape: WorldShape;
  readonly storage: Storage;
  /** The lock-manager design libvirtd follows (`design.ts`). */
  readonly design: Design;
  /**
   * Whether the run comes back to service states it saw (the explorer, replays): then calls into
   * the model are memoised per state object (`service-memo.ts`). A random run never does (its
   * memo never hits), so it skips the memo's keys and tables.
   */
  readonly revisits: boolean;
}

export function createContext(
  model: LockServiceModel<unknown>,
  shape: WorldShape,
  config: DriverConfig = {},
  options: { readonly failure?: FailureSemantics; readonly design?: Design;
    readonly revisits?: boolean } = {},
): SimContext {
  const storage = createStorage(shape.disks);
  // A driver that canonicalises paths resolves the world's symlinks like realpath would.
  return { model, failure: options.failure ?? model.failure,
    config: { ...config, path_aliases: storage.aliasTable() }, shape, storage,
    design: options.design ?? DEFAULT_DESIGN, revisits: options.revisits ?? true };
}
