/**
 * Real mode on libvirt's own sanlock.so (`libvirt-sanlock`): the simulator's random runs against
 * libvirt.so.0 + sanlock.so (through the helper) and one private sanlock daemon per host on a
 * shared lease directory, compared step by step with `model-sanlock`. A run ends at its first
 * finding; every finding must be one docs/libvirt.md explains for sanlock.so: S2 (an unheld release
 * succeeds: the pause's second release), S1 (a lease held on
 * the same host is reported as SYSTEM_ERROR "File exists", the model says RESOURCE_BUSY) or S3
 * (the daemon still releasing a dead VM's lease: -EAGAIN, which libvirt does not retry) or S4 (a
 * guest's own call on its restricted connection: the daemon never answers).
 */
import { expect, it } from 'vitest';
import { libvirtSanlockBackend } from '../../real/libvirt/sanlock-flavour.ts';
import { runReal } from '../../real/runner.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { describeLibvirtSanlock } from './libvirt-support.ts';

const KNOWN = [
  /the model answers RESOURCE_BUSY, the real driver SYSTEM_ERROR \(Failed to acquire lock: File exists\)$/,
  /the model answers success, the real driver SYSTEM_ERROR \(Failed to acquire lock: Resource temporarily unavailable\)$/,
  // S2 (§6 #13): libvirt's Release with a state string releases as many leases as its inquire
  // found, so the pause's second release (§6 #8), with nothing held, succeeds; the daemon, asked
  // by name as lockchart's driver asks, refuses it.
  /^releaseLocks for pid \d+: the model answers INTERNAL_ERROR, the real driver success$/,
  // S4: a guest's own call on its RESTRICT_ALL connection gets no answer from the daemon.
  /^pid \d+'s own (acquire|release): no reply \(the libvirt helper did not answer 'vm \d+ rpc-sanlock /,
];

describeLibvirtSanlock("real mode on libvirt's own sanlock.so", () => {
  it.each<{ faults: readonly FaultName[] }>([{ faults: [] },
    { faults: ['process-kill', 'libvirtd-restart'] }])(
    'every finding is a known sanlock.so one (faults: $faults)',
    async ({ faults }) => {
      const backend = libvirtSanlockBackend();
      const result = await runReal({ backend, source: { kind: 'random', seed: 1, steps: 60,
        faults } });
      expect(result.steps).toBeGreaterThan(0);
      for (const finding of result.findings) {
        expect(KNOWN.some((known) => known.test(finding.message)), finding.message).toBe(true);
      }
    }, 180_000);
});
