/**
 * `complete`: a lock call in flight reaches the lock service and completes — as the service
 * answers, or failing with an outcome fault (`acquire-fails`, `release-fails`,
 * `partial-acquire`) after the resources it names took effect, one of the outcomes the driver's
 * declared set admits (`sim/world/lock-calls.ts`).
 */
import { allOf } from '../../contract/outcomes.ts';
import { callAction } from '../real-actions.ts';
import { affectedForm, affectedMask, describeAffected, type AffectedResources, type Outcome,
  type OutcomeFault, type Step } from '../steps.ts';
import { completeCall, effectSize, findCall, isOfferedOutcome, oldestOfItsKind, callKind }
  from '../world/lock-calls.ts';
import { completeStep } from '../world/step-cache.ts';
import { waits } from '../world/supervisor.ts';
import { at, oneOf, str, StepError } from './read.ts';
import type { Fields, StepModule } from './module.ts';

type CompleteStep = Extract<Step, { kind: 'complete' }>;

const OUTCOME_FAULTS: readonly OutcomeFault[] = ['acquire-fails', 'release-fails', 'partial-acquire'];

export const complete: StepModule<CompleteStep> = {
  kind: 'complete',
  role: 'environment',
  enabled(ctx, world, _phase, out) {
    for (let i = 0; i < world.pending.length; i++) {
      const call = world.pending[i]!;
      // Under the RFC design a hotplug's AcquireResource waits while its disk is busy.
      if (oldestOfItsKind(world.pending, i) && !(ctx.design !== 'libvirt' && waits(ctx, world, call))) {
        out.push(completeStep(call.vm, call.host, call.invoke));
      }
    }
  },
  apply(ctx, d, step) {
    const at = findCall(d.pendingView, step.vm, step.host, step.invoke);
    if (at < 0) return false;
    // A wait ends when the disk is free, or when the call fails (an injected failure).
    if (step.outcome.type === 'ok' && ctx.design !== 'libvirt' && waits(ctx, { supervisors: d.supervisorsView, service: d.service, hosts: d.hosts },
      d.pendingView[at]!)) return false;
    if (step.outcome.type === 'fail' &&
      !isOfferedOutcome(ctx, d.pendingView[at]!, step.outcome.fault, step.outcome.effect)) return false;
    return completeCall(ctx, d, step.vm, step.host, step.invoke, step.outcome);
  },
  describe(step, vm) {
    const outcome = step.outcome.type === 'ok' ? ''
      : ` [${step.outcome.fault}, ${describeAffected(step.outcome.effect)} took effect]`;
    return `${step.invoke} of ${vm(step.vm)}@h${step.host} completes${outcome}`;
  },
  read: (fields) => ({ kind: 'complete', ...at(fields), invoke: str(fields, 'invoke'),
    outcome: outcome(fields['outcome']) }),
  scenario: {
    keywords: ['complete'],
    usage: 'complete web@h0 acquireLocks [fail acquire-fails|release-fails|partial-acquire N|#i,#j]',
    parse: (_keyword, args, words) => ({ ...words.at(args[0]), invoke: args[1],
      outcome: args[2] === 'fail' ? { type: 'fail', fault: args[3], effect: words.effect(args[4]) }
        : args[2] === undefined ? { type: 'ok' }
          : words.fail("expected 'fail FAULT N' (or 'fail FAULT #i,#j') after the call") }),
  },
  real(ctx, before, _after, step) {
    const call = before.pending[findCall(before.pending, step.vm, step.host, step.invoke)]!;
    const mask = step.outcome.type === 'ok' ? allOf(effectSize(call))
      : affectedMask(step.outcome.effect);
    if (callKind(call) === 'register' && mask === 0) return [];
    return [callAction(ctx, before, call, mask)];
  },
};

function outcome(value: unknown): Outcome {
  if (typeof value !== 'object' || value === null) throw new StepError("'outcome' must be an object");
  const o = value as Fields;
  if (o['type'] === 'ok') return { type: 'ok' };
  if (o['type'] !== 'fail') throw new StepError(`'outcome.type' must be ok or fail`);
  return { type: 'fail', fault: oneOf(o, 'fault', OUTCOME_FAULTS), effect: affected(o['effect']) };
}

/** A count of leading resources, or the ascending indices of any other subset, as written. */
function affected(value: unknown): AffectedResources {
  if (Number.isInteger(value) && (value as number) >= 0) return value as number;
  const form = Array.isArray(value) && value.every((i) => Number.isInteger(i) && i >= 0 && i < 31)
    ? affectedForm(affectedMask(value as number[])) : null;
  if (form === null || typeof form === 'number' ||
    JSON.stringify(form) !== JSON.stringify(value)) {
    throw new StepError("'outcome.effect' must be a count of leading resources, or the " +
      'ascending indices of a subset that is not a prefix');
  }
  return form;
}
