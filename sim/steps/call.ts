/** `call`: a management call libvirtd receives for one domain (start, pause, resume, destroy). */
import type { EventObject } from 'xstate';
import { factSlot, type ActorState } from '../../machines/interned.ts';
import { callDomain } from '../world/actors.ts';
import { DOMAIN } from '../world/context.ts';
import { plainEvent } from '../world/events.ts';
import { callStep } from '../world/step-cache.ts';
import type { CallName, Step } from '../steps.ts';
import { at, oneOf } from './read.ts';
import type { StepModule } from './module.ts';

type CallStep = Extract<Step, { kind: 'call' }>;

const CALLS: readonly CallName[] = ['start', 'pause', 'resume', 'destroy'];
const EVENTS: Readonly<Record<CallName, EventObject>> = {
  start: plainEvent('domain.start'),
  pause: plainEvent('domain.pause'),
  resume: plainEvent('domain.resume'),
  destroy: plainEvent('domain.destroy'),
};

const callsFact = factSlot<readonly CallName[]>();
const acceptedCalls = (domain: ActorState): readonly CallName[] =>
  CALLS.filter((name) => DOMAIN.step(domain, EVENTS[name]).handled);

export const call: StepModule<CallStep> = {
  kind: 'call',
  role: 'workload',
  enabled(_ctx, world, phase, out) {
    if (phase !== 'all') return;
    const hosts = world.hosts.length;
    for (let vm = 0; vm < world.vms.length; vm++) {
      for (let host = 0; host < hosts; host++) {
        const domain = world.domains[vm * hosts + host]!;
        // The calls a domain state accepts, asked once per interned state.
        for (const name of callsFact(domain, acceptedCalls)) out.push(callStep(vm, host, name));
      }
    }
  },
  apply: (ctx, d, step) => callDomain(ctx, d, step.vm, step.host, EVENTS[step.call]),
  describe: (step, vm) => `${step.call} ${vm(step.vm)}@h${step.host}`,
  read: (fields) => ({ kind: 'call', ...at(fields), call: oneOf(fields, 'call', CALLS) }),
  scenario: {
    keywords: CALLS,
    usage: 'start|pause|resume|destroy web@h0',
    parse: (keyword, args, words) => ({ call: keyword, ...words.at(args[0]) }),
  },
};
