/**
 * `external-resume`: someone types `cont` in a paused guest's QMP monitor (or it was resumed
 * while libvirtd was down); libvirtd's RESUME handler does not acquire (reference §6 #10).
 */
import { ProcessIn } from '../../machines/states.ts';
import { commandProc, notifyDomain } from '../world/actors.ts';
import { plainEvent } from '../world/events.ts';
import { at } from '../steps/read.ts';
import type { Proc } from '../world/types.ts';
import type { FaultClass } from './class.ts';

export interface ExternalResumeStep {
  readonly kind: 'fault';
  readonly fault: 'external-resume';
  readonly vm: number;
  readonly host: number;
}

const resumable = (proc: Proc | undefined): proc is Proc =>
  proc !== undefined && ProcessIn.paused(proc.actor);

export const externalResume: FaultClass<ExternalResumeStep> = {
  name: 'external-resume',
  summary: "a paused guest is resumed outside libvirt (QMP cont); libvirtd's RESUME handler does not acquire",
  history: '§6 #10',
  enabled(_ctx, world, out) {
    for (const proc of world.procs) {
      if (resumable(proc)) out.push({ kind: 'fault', fault: 'external-resume', vm: proc.vm, host: proc.host });
    }
  },
  steps: {
    apply(_ctx, d, step) {
      const proc = d.proc(step.vm, step.host);
      if (!resumable(proc)) return false;
      commandProc(d, proc, 'process.cont');
      notifyDomain(d, step.vm, step.host, plainEvent('qemu.resume'));
      return true;
    },
    describe: (step, vm) => `FAULT external-resume ${vm(step.vm)}@h${step.host}`,
    read: (fields) => ({ kind: 'fault', fault: 'external-resume', ...at(fields) }),
    scenario: { usage: 'fault external-resume web@h0', parse: (_k, args, words) => words.at(args[0]) },
  },
};
