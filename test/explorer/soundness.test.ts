/**
 * The explorer's reductions lose no behaviour. A plain search (`plain-bfs.ts`: string keys
 * that state the intended equivalence without caches, codes or fingerprints) reaches a set of
 * worlds; the explorer, with its canonical form and dominance by budgets, must store exactly
 * one state per plain key among them. A canonical form that merged two worlds with different
 * futures, or that left out something that matters, would lose worlds and fail here.
 */
import { describe, expect, it } from 'vitest';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { Explorer } from '../../sim/explorer/explore.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { plainReachable } from './plain-bfs.ts';
import { plainKey as worldKey } from '../../sim/world/fields.ts';

const shape = { hosts: 2, vms: 2, disks: 2 };

const CASES: ReadonlyArray<[readonly FaultName[], number, number]> = [
  [[], 0, 3],
  [['libvirtd-restart', 'daemon-reexec'], 1, 3],
  [['process-crash', 'acquire-fails', 'partial-acquire', 'release-fails'], 1, 2],
  [['daemon-crash', 'host-crash', 'connection-drop', 'path-alias'], 1, 2],
];

describe('the explorer reaches exactly the worlds a plain search reaches', () => {
  for (const [faults, faultBudget, workload] of CASES) {
    const bounds = `(budget ${faultBudget}), workload ≤ ${workload}`;
    it(`model, faults ${faults.join(',') || 'none'} ${bounds}`, async () => {
        const model = await resolveSimDriver('model');
        const keys = new Set<string>();
        const explorer = new Explorer({ driver: model, shape, faults, faultBudget, workload,
          invariants: [], coverage: false, symmetry: false,
          onState: (world) => keys.add(worldKey(model.model, world)) });
        const result = explorer.run();
        expect(result.exhausted).toBe(true);
        const plain = plainReachable(explorer.ctx, explorer.root, faults, faultBudget, workload);
        expect(plain.size).toBeGreaterThan(500);
        expect([...plain].filter((key) => !keys.has(key))).toEqual([]);
        expect(result.states).toBe(plain.size);
      });
  }
});
