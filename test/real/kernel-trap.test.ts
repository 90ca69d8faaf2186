/**
 * The POSIX trap, end to end in real mode. libvirtd reads a running VM's disk image (an
 * `image-probe`: open, read the header, close). To the model that is nothing — the lock is still
 * held. For `posix-naive`, whose POSIX locks live in libvirtd's own process, the close drops the
 * lock for real: real mode reports the lost lock at once, the other host's libvirtd is then
 * granted the disk the model says is taken, and the stand-ins' records show two writers on one
 * exclusive disk. `ofd` (locks bound to their descriptor) and `posix` (locks in the owner's
 * supervisor) keep the lock, refuse the second VM, and show no finding.
 */
import { describe, expect, it } from 'vitest';
import { kernelBackend, type KernelDriverName } from '../../real/kernel/backend.ts';
import { runReal } from '../../real/runner.ts';
import type { Step } from '../../sim/steps.ts';
import { header, leftovers, startSteps, use } from './kernel-support.ts';

const shape = { hosts: 2, vms: 2, disks: 1 };
const definitions = [0, 1].map((vm) => ({ name: `vm${vm}`, disks: [use(0)], spares: [] }));

/** vm0 runs on h0 and writes; libvirtd on h0 reads the image; vm1 starts on h1. */
const steps: Step[] = [
  ...startSteps(0, 0),
  { kind: 'write', vm: 0, host: 0, disk: 0 },
  { kind: 'fault', fault: 'image-probe', host: 0, disk: 0 },
  ...startSteps(1, 1),
  { kind: 'write', vm: 0, host: 0, disk: 0 },
];

async function trapRun(name: KernelDriverName) {
  const census = leftovers();
  const backend = kernelBackend(name, { poolSize: 2 });
  const result = await runReal({ backend, keepGoing: true,
    source: { kind: 'trace', header: header(shape, definitions, ['image-probe']), steps } });
  census.check(backend);
  return result;
}

describe('the POSIX trap in real mode', () => {
  it('posix-naive loses the lock when libvirtd reads the image; real mode says where', async () => {
    const result = await trapRun('posix-naive');
    expect(result.violation).toBeNull();
    const [lost] = result.findings;
    expect(lost).toMatchObject({ step: 4, kind: 'locks',
      what: expect.stringContaining('image-probe h0 disk0'),
      message: 'disk0 is unlocked for real but exclusive in the model (granted to pid 100@h0)' });
    // Kept going: the other host's libvirtd is then granted the disk the model says is taken.
    expect(result.findings.filter((finding) => finding.kind === 'outcome')).toEqual([{
      step: 7, kind: 'outcome', what: 'acquireLocks of vm1@h1 completes',
      message: 'acquireLocks for pid 101: the model answers RESOURCE_BUSY, the real driver success',
    }]);
  });

  for (const name of ['ofd', 'posix'] as const) {
    it(`${name} keeps the lock: no finding`, async () => {
      const result = await trapRun(name);
      expect(result.findings).toEqual([]);
      expect(result.steps).toBe(steps.length);
    });
  }
});

describe('the double writer it leads to', () => {
  /** What libvirtd on h1 does next when its acquire succeeds: resume the VM, which writes. */
  async function writersOnDisk0(name: KernelDriverName): Promise<number[]> {
    const census = leftovers();
    const backend = kernelBackend(name, { poolSize: 2 });
    await backend.setup(shape);
    try {
      for (const [pid, host] of [[100, 0], [101, 1]] as const) {
        await backend.launch(pid, host, [use(0)]);
        await backend.register(pid, [use(0)]);
        const reply = await backend.lockCall('acquire', host, pid, [use(0)], null);
        if (!reply.ok) continue;
        await backend.cont(pid);
        await backend.write(pid, 0);
        if (host === 0) await backend.probeImage(0, 0);
      }
      await backend.write(100, 0);
      expect([backend.alive(100), backend.alive(101)]).toEqual([true, true]);
      // Read back from the disk: who wrote, in which order.
      return (await backend.records()).map((record) => record.pid);
    } finally {
      await backend.teardown();
      census.check(backend);
    }
  }

  it('posix-naive: two live writers interleave on one exclusive disk', async () => {
    expect(await writersOnDisk0('posix-naive')).toEqual([100, 101, 100]);
  });

  it('ofd: the second VM is refused, one writer', async () => {
    expect(await writersOnDisk0('ofd')).toEqual([100, 100]);
  });
});
