/**
 * The foreign libvirt in the model (`model-foreign`): h1's libvirtd runs libvirt's own lockd.so,
 * naming disks exactly as libvirt does, next to lockchart's lockd driver on the other hosts, on
 * one shared lockspace. Under `path-alias` the interop hole of docs/interop.md must show up in
 * the model — a lockchart VM and a foreign one both granted one disk exclusively — where the same
 * world with lockchart's drivers only (alias locks everywhere) stays safe.
 */
import { describe, expect, it } from 'vitest';
import { resolveSimDriver, type SimDriver } from '../../sim/resolve-driver.ts';
import { runRandom } from '../../sim/run/random.ts';

const SEEDS = 20;
const STEPS = 2000;

function runs(driver: SimDriver) {
  return Array.from({ length: SEEDS }, (_, index) =>
    runRandom({ driver, seed: index + 1, steps: STEPS, faults: ['path-alias'] }));
}

describe('a foreign libvirt next to lockchart (model-foreign)', () => {
  it('path-alias: two VMs are granted one disk exclusively', async () => {
    const violations = runs(await resolveSimDriver('model-foreign'))
      .map((run) => run.violation).filter((found) => found !== null);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((found) => found!.invariant === 'S1')).toBe(true);
    // The hole between the two kinds of client, step by step (a lockchart VM on h0, libvirt's
    // on h1): scenarios/foreign-libvirt-alias.scenario, run with the others.
  });

  it('the same world with lockchart drivers on every host is safe', async () => {
    const foreign = await resolveSimDriver('model-foreign');
    const lockchartOnly: SimDriver = { ...foreign, name: 'lockchart-only',
      config: { ...foreign.config, foreign_hosts: '' } };
    for (const run of runs(lockchartOnly)) expect(run.violation).toBeNull();
  });

  it('a foreign host that is not a number is refused with a typed error', async () => {
    const foreign = await resolveSimDriver('model-foreign');
    expect(() => foreign.model.initial({ ...foreign.config, foreign_hosts: 'one' }))
      .toThrow(/foreign_hosts: 'one' is not a host number/);
  });
});
