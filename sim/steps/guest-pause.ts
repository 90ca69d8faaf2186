/** `guest-pause`: a running QEMU stops itself (an I/O error, a watchdog): QEMU's STOP event. */
import type { Step } from '../steps.ts';
import { isRunning, stopGuest } from '../world/actors.ts';
import { guestPauseStep } from '../world/step-cache.ts';
import { at } from './read.ts';
import type { StepModule } from './module.ts';

type GuestPauseStep = Extract<Step, { kind: 'guest-pause' }>;

export const guestPause: StepModule<GuestPauseStep> = {
  kind: 'guest-pause',
  role: 'workload',
  enabled(_ctx, world, phase, out) {
    if (phase !== 'all') return;
    for (const proc of world.procs) if (isRunning(proc)) out.push(guestPauseStep(proc.vm, proc.host));
  },
  apply(_ctx, d, step) {
    const proc = d.proc(step.vm, step.host);
    if (!proc || !isRunning(proc)) return false;
    return stopGuest(d, proc);
  },
  describe: (step, vm) => `qemu of ${vm(step.vm)}@h${step.host} stops itself (I/O error)`,
  read: (fields) => ({ kind: 'guest-pause', ...at(fields) }),
  scenario: { keywords: ['guest-pause'], usage: 'guest-pause web@h0',
    parse: (_k, args, words) => words.at(args[0]) },
};
