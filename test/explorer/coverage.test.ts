/**
 * Coverage is measured against the machine definitions: what the explorer reports reached is
 * what its states show, what it reports missing is the rest of the inventory, and exploring
 * more never covers less.
 */
import { describe, expect, it } from 'vitest';
import { stateNodes, statePath } from '../../machines/catalog.ts';
import { domainMachine } from '../../machines/domain.machine.ts';
import { processMachine } from '../../machines/process.machine.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { inventory, type CoverageCount, type CoverageReport } from '../../sim/explorer/coverage.ts';
import { explore } from '../../sim/explorer/explore.ts';
import type { FaultName } from '../../sim/faults/index.ts';

const shape = { hosts: 2, vms: 2, disks: 2 };
const faults: FaultName[] = ['libvirtd-restart', 'process-crash'];

async function coverage(workload: number, seen?: Set<string>): Promise<CoverageReport> {
  const result = explore({ driver: await resolveSimDriver('model'), shape, faults, faultBudget: 1,
    workload, invariants: [],
    onState: (world) => {
      for (const domain of world.domains) for (const leaf of domain.leaves) seen?.add(leaf);
    } });
  return result.coverage!;
}

const reached = (count: CoverageCount, all: readonly string[]) =>
  all.filter((name) => !count.missing.includes(name));

describe('coverage', () => {
  it('takes its inventory from the machine definitions', () => {
    expect(inventory(domainMachine).states).toEqual(stateNodes(domainMachine).map(statePath));
    expect(inventory(processMachine).states).toEqual(stateNodes(processMachine).map(statePath));
    expect(inventory(domainMachine).transitions).toContain('active.vcpus.running × domain.pause');
    expect(inventory(domainMachine).transitions).toContain('defined × (always)');
  });

  it('reports reached what the explored states show, and the rest missing', async () => {
    const leaves = new Set<string>();
    const report = await coverage(3, leaves);
    const states = inventory(domainMachine).states;
    expect(report.domainStates.total).toBe(states.length);
    expect(report.domainStates.reached).toBe(states.length - report.domainStates.missing.length);
    for (const leaf of leaves) expect(report.domainStates.missing).not.toContain(leaf);
    // Stable atomic states (a transient one, left by an eventless transition or, tagged
    // `passedThrough`, by an event the same step delivers, is never a leaf of a world).
    const atomic = stateNodes(domainMachine)
      .filter((node) => node.type === 'atomic' && !node.always?.length &&
        !node.tags.includes('passedThrough')).map(statePath);
    for (const leaf of atomic.filter((path) => !leaves.has(path))) {
      expect(report.domainStates.missing).toContain(leaf);
    }
    expect(report.faultCells.total).toBe(faults.length * states.length);
    expect(report.faultCells.missing.length).toBeGreaterThan(0);
    expect(report.faultCells.reached).toBeGreaterThan(0);
  });

  it('never covers less when it explores more', async () => {
    const small = await coverage(2);
    const large = await coverage(4);
    const domain = inventory(domainMachine);
    for (const [a, b, all] of [
      [small.domainStates, large.domainStates, domain.states],
      [small.domainTransitions, large.domainTransitions, domain.transitions],
    ] as const) {
      for (const name of reached(a, all)) expect(b.missing).not.toContain(name);
      expect(b.reached).toBeGreaterThanOrEqual(a.reached);
    }
    expect(large.domainTransitions.reached).toBeGreaterThan(small.domainTransitions.reached);
  });
});
