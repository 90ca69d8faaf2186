/**
 * Real mode's handling of lost replies, with no daemon: the mirror expects calls a fault applies
 * one after the other to answer in that order, marks a re-exec's lost replies, and a timeout
 * counts as "outcome unknown" exactly where the model itself may lose a reply.
 */
import { describe, expect, it } from 'vitest';
import { lockdModel } from '../../drivers/model/lockd-model.ts';
import type { LockServiceModel } from '../../contract/service.ts';
import type { CallOptions, RealReply } from '../../real/backend.ts';
import { compareReply } from '../../real/compare.ts';
import { modelBackend } from '../../real/model/backend.ts';
import { runReal } from '../../real/runner.ts';
import type { Step } from '../../sim/steps.ts';
import type { TraceHeader } from '../../sim/trace/format.ts';

const disk0 = { disk: 0, mode: 'exclusive', path: '/shared/disk0.img' } as const;
const header: TraceHeader = {
  type: 'header', format: 1, model: 'x', driver: 'model', config: {}, seed: null,
  faults: ['daemon-reexec'], shape: { hosts: 1, vms: 2, disks: 1 }, swarm: null,
  origin: 'scenario', definitions: [{ name: 'vm0', disks: [disk0], spares: [] },
    { name: 'vm1', disks: [disk0], spares: [] }],
};

/** Two VMs on one host, both acquiring disk0, both replies lost in one re-exec. */
const steps: Step[] = [
  { kind: 'call', vm: 0, host: 0, call: 'start' },
  { kind: 'call', vm: 1, host: 0, call: 'start' },
  { kind: 'complete', vm: 0, host: 0, invoke: 'registerOwner', outcome: { type: 'ok' } },
  { kind: 'complete', vm: 1, host: 0, invoke: 'registerOwner', outcome: { type: 'ok' } },
  { kind: 'fault', fault: 'daemon-reexec', host: 0, lost: [true, true] },
];

describe('lost replies in real mode', () => {
  it('expects the second of two lost acquires of one disk to be busy, both across a re-exec',
    async () => {
      const backend = modelBackend(lockdModel as LockServiceModel<unknown>);
      const seen: Array<[number, CallOptions | undefined, string]> = [];
      const call = backend.lockCall.bind(backend);
      backend.lockCall = async (kind, host, pid, disks, state, options) => {
        const reply = await call(kind, host, pid, disks, state, options);
        seen.push([pid, options, reply.ok ? 'ok' : reply.code]);
        return reply;
      };
      const result = await runReal({ backend, source: { kind: 'trace', header, steps } });
      expect(result.findings).toEqual([]);
      expect(seen).toEqual([[100, { acrossReexec: true }, 'ok'],
        [101, { acrossReexec: true }, 'RESOURCE_BUSY']]);
    });

  it('takes a real timeout as the lost reply the model chose, and flags it anywhere else', () => {
    const timeout: RealReply = { ok: false, code: 'OPERATION_TIMEOUT',
      message: 'no reply to ACQUIRE_RESOURCE (serial 3) within 1000 ms: outcome unknown' };
    expect(compareReply('acquireLocks for pid 100', { ok: true }, timeout,
      { acrossReexec: true })).toBeNull();
    expect(compareReply('acquireLocks for pid 100', { ok: false, code: 'RESOURCE_BUSY' }, timeout,
      { acrossReexec: true })).toBeNull();
    expect(compareReply('acquireLocks for pid 100', { ok: true }, timeout))
      .toMatch(/^acquireLocks for pid 100: no reply .* loses a reply only in a daemon re-exec$/);
    // Across a re-exec a reply that did arrive is still compared.
    expect(compareReply('releaseLocks for pid 100', { ok: true },
      { ok: false, code: 'RESOURCE_BUSY', message: 'not locked' }, { acrossReexec: true }))
      .toMatch(/the model answers success, the real driver RESOURCE_BUSY/);
  });
});
