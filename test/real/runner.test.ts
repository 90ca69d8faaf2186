/**
 * Real mode's plumbing, with a backend whose "reality" is a service model: a model compared
 * with itself shows no finding, and each canary compared with the reference model shows its bug
 * as a divergence. (The real drivers' own real-mode tests run real processes and daemons.)
 */
import { describe, expect, it } from 'vitest';
import { lockdModel } from '../../drivers/model/lockd-model.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import { modelBackend } from '../../real/model/backend.ts';
import { RealModeError, runReal } from '../../real/runner.ts';
import { CANARIES } from '../../sim/canaries/canaries.ts';
import { REALISABLE_FAULTS } from '../../sim/faults/index.ts';

const model = lockdModel as LockServiceModel<unknown>;

describe('real mode against a model backend', () => {
  it('finds nothing when reality is the model itself, whatever the faults', async () => {
    for (const seed of [1, 2, 3, 4]) {
      for (const faults of [[], ['daemon-reexec', 'libvirtd-restart', 'acquire-fails', 'release-fails',
        'partial-acquire', 'process-crash', 'connection-drop', 'host-crash']] as const) {
        const result = await runReal({ backend: modelBackend(model),
          source: { kind: 'random', seed, steps: 800, faults: faults as never } });
        expect(result.findings).toEqual([]);
        expect(result.steps).toBeGreaterThan(10);
      }
    }
  });

  // Real mode runs the libvirt design: a canary of the RFC design has no real side. A canary
  // whose bug is in the state strings alone (caught by S9) takes and refuses exactly the
  // reference's locks: real mode compares replies and locks, so it cannot diverge there.
  for (const canary of CANARIES.filter((c) => (c.design ?? 'libvirt') === 'libvirt' &&
    c.caughtBy !== 'S9')) {
    it(`shows ${canary.name}'s bug as a divergence from the reference model`, async () => {
      let findings = 0;
      for (let seed = 1; seed <= 12 && findings === 0; seed++) {
        const result = await runReal({
          backend: modelBackend(canary.model as LockServiceModel<unknown>, model),
          source: { kind: 'random', seed, steps: 1500, faults: canary.faults as never },
        });
        findings = result.findings.length;
      }
      expect(findings).toBeGreaterThan(0);
    });
  }

  it("holds a real driver's own failures to its declared outcome set (contract findings)",
    async () => {
      const canary = CANARIES.find((c) => c.name === 'canary-nothing-keeps-prefix')!;
      let contract: { message: string } | undefined;
      for (let seed = 1; seed <= 12 && !contract; seed++) {
        const result = await runReal({
          backend: modelBackend(canary.model as LockServiceModel<unknown>, model),
          source: { kind: 'random', seed, steps: 1500, faults: [] },
        });
        contract = result.findings.find((finding) => finding.kind === 'contract');
      }
      expect(contract?.message).toMatch(/failed on its own \(RESOURCE_BUSY\), but it affected .*'nothing' does not admit/);
    });

  it('replays a trace step by step', async () => {
    const backend = modelBackend(model);
    const steps = [
      { kind: 'call', vm: 0, host: 0, call: 'start' },
      { kind: 'complete', vm: 0, host: 0, invoke: 'registerOwner', outcome: { type: 'ok' } },
      { kind: 'complete', vm: 0, host: 0, invoke: 'acquireLocks', outcome: { type: 'ok' } },
      { kind: 'write', vm: 0, host: 0, disk: 0 },
    ] as const;
    const header = {
      type: 'header', format: 1, model: 'x', driver: 'model', config: {}, seed: null, faults: [],
      shape: { hosts: 1, vms: 1, disks: 1 }, swarm: null, origin: 'scenario',
      definitions: [{ name: 'vm0', disks: [{ disk: 0, mode: 'exclusive', path: '/shared/disk0.img' }],
        spares: [] }],
    } as const;
    const result = await runReal({ backend, source: { kind: 'trace', header, steps } });
    expect(result.steps).toBe(4);
    expect(result.findings).toEqual([]);
    expect(await backend.records()).toEqual([{ disk: 0, pid: 100 }]);
  });

  it('refuses a fault the backend cannot make real, naming what it can', async () => {
    const backend = { ...modelBackend(model), faults: new Set(['process-kill'] as const) };
    await expect(runReal({ backend, source: { kind: 'random', seed: 1, steps: 10,
      faults: ['daemon-crash'] } })).rejects.toThrow(RealModeError);
    await expect(runReal({ backend, source: { kind: 'random', seed: 1, steps: 10,
      faults: ['daemon-crash'] } })).rejects.toThrow(/cannot inject daemon-crash .* \(it can: process-kill\)/);
  });
});

describe('every fault class can be mirrored', () => {
  it('runs each fault class alone without a finding', async () => {
    for (const fault of REALISABLE_FAULTS) {
      const result = await runReal({ backend: modelBackend(model),
        source: { kind: 'random', seed: 7, steps: 600, faults: [fault] } });
      expect(result.findings, fault).toEqual([]);
    }
  });
});
