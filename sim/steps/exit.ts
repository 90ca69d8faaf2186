/** `exit`: a QEMU that was sent SIGTERM exits. */
import type { Step } from '../steps.ts';
import { procDies } from '../world/actors.ts';
import { exitStep } from '../world/step-cache.ts';
import { at } from './read.ts';
import type { StepModule } from './module.ts';

type ExitStep = Extract<Step, { kind: 'exit' }>;

export const exit: StepModule<ExitStep> = {
  kind: 'exit',
  role: 'environment',
  enabled(_ctx, world, _phase, out) {
    for (const proc of world.procs) if (proc.terminating) out.push(exitStep(proc.vm, proc.host));
  },
  apply(ctx, d, step) {
    const proc = d.proc(step.vm, step.host);
    if (!proc?.terminating) return false;
    procDies(ctx, d, proc.pid, 'exit');
    return true;
  },
  describe: (step, vm) => `qemu of ${vm(step.vm)}@h${step.host} exits`,
  read: (fields) => ({ kind: 'exit', ...at(fields) }),
  scenario: { keywords: ['exit'], usage: 'exit web@h0', parse: (_k, args, words) => words.at(args[0]) },
  ends: 'term',
};
