/** `timer`: a domain's armed delay fires (the SIGTERM→SIGKILL grace of a destroy). */
import type { Step } from '../steps.ts';
import { notifyDomain } from '../world/actors.ts';
import { timerStep } from '../world/step-cache.ts';
import { at, str } from './read.ts';
import type { StepModule } from './module.ts';

type TimerStep = Extract<Step, { kind: 'timer' }>;

export const timer: StepModule<TimerStep> = {
  kind: 'timer',
  role: 'environment',
  enabled(_ctx, world, _phase, out) {
    for (const armed of world.timers) out.push(timerStep(armed.vm, armed.host, armed.id));
  },
  apply(_ctx, d, step) {
    const at = d.timers.findIndex((t) => t.vm === step.vm && t.host === step.host && t.id === step.id);
    if (at < 0) return false;
    const fired = d.timers[at]!;
    d.timers.splice(at, 1);
    // The clock jumps to the timer's due time (other steps advance it by 1 ms).
    d.time = Math.max(d.time, fired.due);
    notifyDomain(d, step.vm, step.host, fired.event);
    return true;
  },
  describe: (step, vm) =>
    `timer ${step.id.replace(/^xstate\.after\./, '').split('.')[0]} fires for ${vm(step.vm)}@h${step.host}`,
  read: (fields) => ({ kind: 'timer', ...at(fields), id: str(fields, 'id') }),
  scenario: {
    keywords: ['timer'],
    usage: 'timer web@h0 killGraceMs',
    parse: (_keyword, args, words) => ({ ...words.at(args[0]),
      id: `xstate.after.${args[1] ?? ''}.domain.destroying` }),
  },
};
