/**
 * A short digest of a world, recorded with every trace step so that a replay can prove it
 * reproduced the run exactly (and notice a model that changed underneath a trace). It is built
 * from per-part hashes that are stable across processes: interned actors carry the hash of their
 * canonical key, and the service state's encoding is hashed once per distinct state object.
 */
import type { SimContext } from './context.ts';
import { fnv1a } from '../../machines/interned.ts';
import type { World } from './types.ts';

const serviceHashes = new WeakMap<object, number>();

function serviceHash(ctx: SimContext, service: unknown): number {
  if (typeof service !== 'object' || service === null) {
    return fnv1a(ctx.model.encode(service));
  }
  let hash = serviceHashes.get(service);
  if (hash === undefined) {
    hash = fnv1a(ctx.model.encode(service));
    serviceHashes.set(service, hash);
  }
  return hash;
}

const mix = (hash: number, value: number) => Math.imul(hash ^ (value >>> 0), 0x01000193) >>> 0;

export function digestWorld(ctx: SimContext, world: World): string {
  let hash = mix(0x811c9dc5, world.time);
  for (const host of world.hosts) hash = mix(hash, host.daemonEpoch);
  for (const domain of world.domains) hash = mix(hash, domain.hash);
  for (const proc of world.procs) {
    hash = mix(mix(mix(hash, proc.pid), proc.actor.hash), proc.terminating ? 1 : 0);
    for (const use of proc.devices) hash = mix(mix(hash, use.disk), fnv1a(use.mode + use.path));
  }
  hash = mix(hash, serviceHash(ctx, world.service));
  for (const call of world.pending) {
    hash = mix(mix(mix(hash, call.seq), call.pid), fnv1a(call.invoke + (call.orphan ? '!' : '')));
  }
  for (const timer of world.timers) hash = mix(mix(hash, timer.due), fnv1a(timer.id));
  for (const disk of world.disks) {
    hash = mix(hash, disk.writes);
    for (const writer of disk.liveWriters) hash = mix(hash, writer.pid);
  }
  for (const vm of world.vms) {
    for (const use of vm.definition.disks) hash = mix(hash, fnv1a(use.path));
    hash = mix(hash, vm.migration ? vm.migration.from * 16 + vm.migration.to + 1 : 0);
  }
  return mix(mix(hash, world.nextPid), world.faults).toString(16).padStart(8, '0');
}
