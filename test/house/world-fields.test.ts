/**
 * The one description of the world's fields (`sim/world/fields.ts`) against the three encodings
 * derived from it, or held to it: each field of a busy world is changed in turn, and the digest
 * must notice exactly the hashed fields, the plain key and the explorer's canonical form exactly
 * the kept ones. A field added to `World` needs a rule (a compile error) and a change here (a
 * compile error too), and an encoder that forgets a kept field fails below.
 */
import { describe, expect, it } from 'vitest';
import { OPERATION_MACHINES } from '../../api/operation.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { Canonicaliser } from '../../sim/explorer/canonical.ts';
import { Prng } from '../../sim/prng.ts';
import { applyStep } from '../../sim/world/apply.ts';
import { createContext, type SimContext } from '../../sim/world/context.ts';
import { enabledSteps } from '../../sim/steps/index.ts';
import { digestWorld, plainKey, WORLD_FIELDS } from '../../sim/world/fields.ts';
import { createWorld } from '../../sim/world/setup.ts';
import { plainDefinitions } from '../../sim/world/shape.ts';
import type { World } from '../../sim/world/types.ts';

const SHAPE = { hosts: 2, vms: 2, disks: 2 };

/** A world with a process, a call in flight, a timer and a live writer: every field in use. */
async function busyWorld(): Promise<{ ctx: SimContext; initial: World; world: World }> {
  const driver = await resolveSimDriver('model');
  const ctx = createContext(driver.model, SHAPE, driver.config);
  const initial = createWorld(ctx, plainDefinitions(SHAPE, ctx.storage));
  for (let seed = 1; seed < 500; seed++) {
    const prng = new Prng(seed);
    let world = initial;
    for (let i = 0; i < 60; i++) {
      const steps = enabledSteps(ctx, world, { faults: new Set() });
      if (steps.length === 0) break;
      world = applyStep(ctx, world, prng.pick(steps))!.world;
      if (world.procs.length > 0 && world.pending.length > 0 && world.timers.length > 0 &&
        world.disks.some((disk) => disk.liveWriters.length > 0) &&
        ctx.model.grants(world.service).length > 0) return { ctx, initial, world };
    }
  }
  throw new Error('no busy world found');
}

/** One change of each field (a mapped type: a new field needs its change here). */
const CHANGES: { readonly [K in keyof World]: (world: World, ctx: SimContext) => World[K] } = {
  time: (w) => w.time + 1,
  hosts: (w) => w.hosts.map((host, i) => (i === 0 ? { ...host, daemonEpoch: host.daemonEpoch + 1 } : host)),
  domains: (w) => [w.domains[1]!, ...w.domains.slice(1)],
  procs: (w) => w.procs.map((proc, i) => (i === 0 ? { ...proc, terminating: !proc.terminating } : proc)),
  service: (w, ctx) => ctx.model.daemonCrash(w.service, ctx.model.grants(w.service)[0]!.host),
  pending: (w) => w.pending.map((call, i) => (i === 0 ? { ...call, orphan: !call.orphan } : call)),
  timers: (w) => w.timers.slice(1),
  disks: (w) => w.disks.map((disk) => ({ ...disk, liveWriters: [] })),
  vms: (w) => w.vms.map((vm, i) => (i === 0 ? { ...vm, migration: { from: 0, to: 1 } } : vm)),
  nextPid: (w) => w.nextPid + 1,
  faults: (w) => w.faults + 1,
  nextSeq: (w) => w.nextSeq + 1,
  supervisors: (w) => w.domains.map((_, i) => (i === 0
    ? { alive: true, manager: OPERATION_MACHINES.manager.initial({}).state, awaiting: null } : null)),
  orphanGrants: (w) => [...w.orphanGrants, '999:/x'],
};

describe('the world fields description', () => {
  it('has a rule for every field a world has, and says why each dropped one is dropped', async () => {
    const { world } = await busyWorld();
    expect(Object.keys(WORLD_FIELDS).sort()).toEqual(Object.keys(world).sort());
    for (const rule of Object.values(WORLD_FIELDS)) {
      if (rule.state !== 'kept') expect(rule.state.dropped.length).toBeGreaterThan(20);
      if (rule.digest === null) expect(rule.unhashed?.length).toBeGreaterThan(20);
      expect(rule.plain !== undefined).toBe(rule.state === 'kept');
    }
  });

  it.each(Object.keys(CHANGES) as (keyof World)[])(
    'change %s: the digest, the plain key and the canonical form notice it as described',
    async (field) => {
      const { ctx, initial, world } = await busyWorld();
      const changed = { ...world, [field]: CHANGES[field](world, ctx) } as World;
      const rule = WORLD_FIELDS[field];
      const canonical = new Canonicaliser(ctx, initial, { symmetry: false });
      const fingerprint = (w: World) => {
        canonical.fingerprint(w);
        return `${canonical.hi}:${canonical.lo}`;
      };
      expect(digestWorld(ctx, changed) !== digestWorld(ctx, world)).toBe(rule.digest !== null);
      const kept = rule.state === 'kept';
      expect(plainKey(ctx.model, changed) !== plainKey(ctx.model, world)).toBe(kept);
      expect(fingerprint(changed) !== fingerprint(world)).toBe(kept);
    });
});
