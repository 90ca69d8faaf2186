/**
 * L1 — every wait ends (liveness).
 * Verifies: once faults and workload stop and the world settled (the heal phase), no lock call
 * is still in flight — under the RFC design, an AcquireResource that waits while its disk is
 * busy (`sim/world/supervisor.ts`: `waits`) must eventually be served. Two VMs hot-plugging each
 * other's disks wait for each other for ever: a deadlock this finds.
 * Does not verify: how long a wait took; calls under the libvirt design (they never wait: a
 * conflict is an immediate RESOURCE_BUSY).
 */
import { supervised } from '../world/design.ts';
import type { Checker } from './checker.ts';

export const waitsEnd: Checker = {
  id: 'L1',
  name: 'waits-end',
  kind: 'liveness',
  verifies: 'after the heal phase no lock call still waits',
  doesNotVerify: 'wait latency; the libvirt design (its calls never wait)',
  applies: (ctx) => supervised(ctx.design),
  checkSettled(_ctx, world) {
    if (world.pending.length === 0) return null;
    const waiting = world.pending.map((call) => `${call.src} of vm${call.vm}@h${call.host} ` +
      `(${call.disks.map((use) => use.path).join(', ')})`);
    return `${waiting.length} lock call(s) wait for ever: ${waiting.join('; ')}`;
  },
};
