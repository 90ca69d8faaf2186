/** The initial world: every host up, every domain shut off, no process, an empty lock service. */
import type { ResourceSpec } from '../../contract/resources.ts';
import { toSpec } from './actors.ts';
import { supervised } from './design.ts';
import { DOMAIN, type SimContext } from './context.ts';
import type { ActorState } from '../../machines/interned.ts';
import { memo } from './memo.ts';
import type { DiskUse, VmDefinition, World } from './types.ts';

/** Domains loaded from a definition alone, by definition list (lists are immutable, shared). */
const loaded = new WeakMap<readonly DiskUse[], ActorState>();
/** Domains reloaded around a live QEMU: by definition list, then by the live disk list (from an
 * interned domain context, so shared), then by lock state and run state. */
const reloaded = new WeakMap<readonly DiskUse[],
  WeakMap<readonly ResourceSpec[], Map<string, ActorState>>>();

/** A domain loaded from its definition (the same definition always loads the same state: the
 * memo skips serialising the input on a hot path). */
export function freshDomain(disks: readonly DiskUse[]): ActorState {
  return memo(loaded, disks, () => DOMAIN.initial({ disks: disks.map(toSpec) }).state);
}

/** A domain libvirtd reloads around a QEMU that survived it (memoised like `freshDomain`). */
export function reloadedDomain(disks: readonly DiskUse[], liveDisks: readonly ResourceSpec[],
  lockState: string | null, reconnect: 'running' | 'paused'): ActorState {
  const byLive = memo(reloaded, disks, () => new WeakMap());
  const byRest = memo(byLive, liveDisks, () => new Map());
  return memo(byRest, `${reconnect}\u0000${lockState ?? '\u0001'}`,
    () => DOMAIN.initial({ disks: disks.map(toSpec), liveDisks, lockState, reconnect }).state);
}

export function createWorld(ctx: SimContext, definitions: readonly VmDefinition[]): World {
  const hosts = ctx.shape.hosts;
  const domains: ActorState[] = [];
  for (const definition of definitions) {
    for (let host = 0; host < hosts; host++) domains.push(freshDomain(definition.disks));
  }
  return {
    time: 0,
    hosts: [...Array(hosts)].map(() => ({ libvirtd: true, daemonEpoch: 1 })),
    vms: definitions.map((definition) => ({ definition, migration: null })),
    domains,
    procs: [],
    service: ctx.model.initial(ctx.config),
    pending: [],
    timers: [],
    disks: [...Array(ctx.shape.disks).keys()].map((disk) => ({
      path: ctx.storage.canonical(disk),
      liveWriters: [],
      writes: 0,
    })),
    nextPid: 100,
    nextSeq: 0,
    orphanGrants: [],
    faults: 0,
    supervisors: supervised(ctx.design) ? domains.map(() => null) : [],
  };
}
