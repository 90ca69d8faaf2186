/** The initial world: every host up, every domain shut off, no process, an empty lock service. */
import type { ResourceSpec } from '../../drivers/resources.ts';
import { toSpec } from './actors.ts';
import { DOMAIN, type SimContext } from './context.ts';
import type { ActorState } from '../../machines/interned.ts';
import type { DiskUse, VmDefinition, World } from './types.ts';

type DomainExtra = {
  liveDisks?: readonly ResourceSpec[];
  lockState?: string | null;
  reconnect?: 'running' | 'paused';
};

const NO_EXTRA: DomainExtra = {};
/** Domains loaded from a definition alone, by definition list (lists are immutable, shared). */
const loaded = new WeakMap<readonly DiskUse[], ActorState>();

export function freshDomain(disks: readonly DiskUse[], extra: DomainExtra = NO_EXTRA): ActorState {
  // The same definition always loads the same state: skip serialising the input on a hot path.
  const memo = extra === NO_EXTRA ? loaded.get(disks) : undefined;
  if (memo) return memo;
  const state = DOMAIN.initial({ disks: disks.map(toSpec), ...extra }).state;
  if (extra === NO_EXTRA) loaded.set(disks, state);
  return state;
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
    faults: 0,
  };
}
