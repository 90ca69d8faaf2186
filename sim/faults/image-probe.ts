/**
 * `image-probe`: libvirtd opens a disk one of its live QEMUs uses and closes it again (reads the
 * image's header). The lock service sees nothing, so the model changes nothing — a driver that
 * keeps POSIX locks in libvirtd's own process loses the lock here for real (the POSIX trap,
 * reference §6 #5), and real mode shows that as a divergence.
 */
import { nat } from '../steps/read.ts';
import type { Proc } from '../world/types.ts';
import type { FaultClass } from './class.ts';

export interface ImageProbeStep {
  readonly kind: 'fault';
  readonly fault: 'image-probe';
  readonly host: number;
  readonly disk: number;
}

const inUse = (procs: readonly Proc[], host: number, disk: number) =>
  procs.some((proc) => proc.host === host && proc.devices.some((use) => use.disk === disk));

export const imageProbe: FaultClass<ImageProbeStep> = {
  name: 'image-probe',
  summary: 'libvirtd opens a disk of one of its VMs and closes it again (reads the ' +
    "image's header); for the lock service nothing happens",
  history: "§6 #5: closing any descriptor drops the process's POSIX locks on the file, " +
    'which is why locks cannot live in libvirtd (the POSIX trap)',
  enabled(_ctx, world, out) {
    const seen = new Set<string>();
    for (const proc of world.procs) {
      for (const use of proc.devices) {
        const key = `${proc.host}:${use.disk}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ kind: 'fault', fault: 'image-probe', host: proc.host, disk: use.disk });
      }
    }
  },
  steps: {
    apply(_ctx, d, step) {
      if (!inUse(d.procsView, step.host, step.disk)) return false;
      d.note(`libvirtd on h${step.host} opened and closed disk${step.disk}; no lock call`);
      return true;
    },
    describe: (step) => `FAULT image-probe h${step.host} disk${step.disk} (libvirtd opens and closes it)`,
    read: (fields) => ({ kind: 'fault', fault: 'image-probe', host: nat(fields, 'host'),
      disk: nat(fields, 'disk') }),
    scenario: {
      usage: 'fault image-probe h0 disk0',
      parse: (_k, args, words) => ({ host: words.host(args[0]), disk: words.disk(args[1]) }),
    },
    real: (_ctx, _before, _after, step) => [{ kind: 'imageProbe', host: step.host, disk: step.disk }],
  },
};
