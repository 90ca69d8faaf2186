/** `write`: a running QEMU writes one of its writable devices; the disk logs the writer. */
import type { Step } from '../steps.ts';
import { isRunning } from '../world/actors.ts';
import { writeStep } from '../world/step-cache.ts';
import type { Proc } from '../world/types.ts';
import { at, nat } from './read.ts';
import type { StepModule } from './module.ts';

type WriteStep = Extract<Step, { kind: 'write' }>;

const writable = (proc: Proc | undefined, disk: number) =>
  proc !== undefined && isRunning(proc) &&
  proc.devices.find((use) => use.disk === disk && use.mode !== 'readonly');

export const write: StepModule<WriteStep> = {
  kind: 'write',
  role: 'environment',
  enabled(_ctx, world, phase, out) {
    if (phase === 'heal') return;
    for (const proc of world.procs) {
      if (!isRunning(proc)) continue;
      for (const use of proc.devices) {
        if (use.mode !== 'readonly') out.push(writeStep(proc.vm, proc.host, use.disk));
      }
    }
  },
  apply(_ctx, d, step) {
    const proc = d.proc(step.vm, step.host);
    const device = writable(proc, step.disk);
    if (!device || !proc) return false;
    const state = d.disks[step.disk]!;
    const writer = { pid: proc.pid, vm: step.vm, host: step.host, mode: device.mode, time: d.time };
    d.disks[step.disk] = {
      ...state,
      liveWriters: [...state.liveWriters.filter((w) => w.pid !== proc.pid), writer],
      writes: state.writes + 1,
    };
    return true;
  },
  describe: (step, vm) => `qemu of ${vm(step.vm)}@h${step.host} writes disk${step.disk}`,
  read: (fields) => ({ kind: 'write', ...at(fields), disk: nat(fields, 'disk') }),
  scenario: {
    keywords: ['write'],
    usage: 'write web@h0 disk0',
    parse: (_keyword, args, words) => ({ ...words.at(args[0]), disk: words.disk(args[1]) }),
  },
  real(_ctx, before, _after, step) {
    const proc = before.procs.find((p) => p.vm === step.vm && p.host === step.host)!;
    return [{ kind: 'write', pid: proc.pid, disk: step.disk }];
  },
};
