/**
 * The packed world's drift guards (`sim/explorer/packed.ts`): packing loses nothing — for random
 * reachable worlds the packed-and-unpacked world is the world, and its successors (steps, the
 * worlds they lead to, the checkers' verdicts) are the object world's — and the explorer checks a
 * seeded sample every run. A difference planted in the packing makes both fail.
 */
import { fc } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { Explorer, explore } from '../../sim/explorer/explore.ts';
import { PackedDrift, packedDifference, WorldPacker } from '../../sim/explorer/packed.ts';
import { successorSteps } from '../../sim/explorer/successors.ts';
import { selectCheckers } from '../../sim/run/session.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { applyStep } from '../../sim/world/apply.ts';
import type { World } from '../../sim/world/types.ts';
import type { Proc } from '../../sim/world/types.ts';

const shape = { hosts: 2, vms: 2, disks: 2 };
const FAULTS: FaultName[] = ['process-crash', 'daemon-reexec', 'libvirtd-restart', 'acquire-fails',
  'host-crash', 'connection-drop', 'path-alias'];

/** A packing with a planted difference: every process's pid comes back one higher. */
class PlantedPacker extends WorldPacker {
  protected override packProc(proc: Proc): void {
    super.packProc({ ...proc, pid: proc.pid + 1 });
  }
}

async function setting() {
  const driver = await resolveSimDriver('model');
  const explorer = new Explorer({ driver, shape, faults: FAULTS, faultBudget: 2, coverage: false });
  const check = { ctx: explorer.ctx, faults: new Set(FAULTS),
    checkers: selectCheckers(explorer.ctx).filter((checker) => checker.check) };
  /** The world a walk of choices reaches from the initial world. */
  const walk = (choices: readonly number[]): World => {
    let world = explorer.root;
    for (const choice of choices) {
      const steps = successorSteps(explorer.ctx, world, check.faults);
      if (steps.length === 0) break;
      world = applyStep(explorer.ctx, world, steps[choice % steps.length]!)!.world;
    }
    return world;
  };
  return { driver, check, walk };
}

const walks = fc.array(fc.nat(), { minLength: 0, maxLength: 40 });

describe('the packed world', () => {
  it('loses nothing: for random reachable worlds, the same world and the same successors',
    async () => {
      const { check, walk } = await setting();
      const packer = new WorldPacker();
      fc.assert(fc.property(walks, (choices) => {
        const world = walk(choices);
        expect(packer.unpack(packer.pack(world))).toEqual(world);
        expect(packedDifference(check, packer, world)).toBeNull();
      }), { numRuns: 150, seed: 18 });
    });

  it('explored packed, counts exactly what it counts unpacked, checking a sample', async () => {
    const { driver } = await setting();
    const options = { driver, shape, faults: ['process-crash', 'daemon-reexec'] as FaultName[],
      faultBudget: 1, workload: 3, coverage: false };
    const plain = explore(options);
    const packed = explore({ ...options, packed: { sampleEvery: 16, seed: 5 } });
    expect(packed.states).toBe(plain.states);
    expect(packed.transitions).toBe(plain.transitions);
    expect(packed.liveness?.steps).toEqual(plain.liveness?.steps);
    expect(packed.packed!.checked).toBeGreaterThan(packed.packed!.states / 32);
    expect(packed.packed!.bytes / packed.packed!.states).toBeLessThan(400);
  });

  it('with a difference planted in the packing, the property and the run both fail', async () => {
    const { driver, check, walk } = await setting();
    const planted = new PlantedPacker();
    const property = fc.check(fc.property(walks, (choices) =>
      packedDifference(check, planted, walk(choices)) === null), { numRuns: 150, seed: 18 });
    expect(property.failed).toBe(true);
    expect(() => explore({ driver, shape, faults: [], faultBudget: 0, workload: 3,
      coverage: false, packed: { packer: new PlantedPacker(), sampleEvery: 8 } }))
      .toThrow(PackedDrift);
  });
});
