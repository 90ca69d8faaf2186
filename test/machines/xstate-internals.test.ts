/**
 * `machines/xstate-internals.ts` against XState itself. The stepper copies an xstate internal (the inert actor scope), so it must keep agreeing with
 * xstate's own `transition()`: same snapshots, same handled/unhandled verdicts, same actions,
 * on long random event sequences over every catalogued machine.
 */
import fc from 'fast-check';
import {
  cancel, fromPromise, initialTransition, raise, sendTo, setup, spawnChild, stopChild, transition,
  type AnyMachineSnapshot,
} from 'xstate';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../machines/catalog.ts';
import { createStepper, toEffects } from '../../machines/xstate-internals.ts';
import { walkSpec } from '../helpers/alphabets.ts';
import { canArrive } from '../helpers/walk.ts';

interface ActionLike { type: string; params?: unknown }

/** An action as plain data: children become their ids. */
function plain(action: ActionLike): unknown {
  return JSON.parse(JSON.stringify({ type: action.type, params: action.params ?? null },
    (_key, value: unknown) => (value && typeof value === 'object' && 'sessionId' in value
      ? { actor: (value as unknown as { id: string }).id } : value)));
}

function view(snapshot: AnyMachineSnapshot) {
  return { value: snapshot.value, context: snapshot.context ?? null, status: snapshot.status,
    output: snapshot.output ?? null };
}

describe.each(CATALOG.map((entry) => [entry.name, entry] as const))('a stepper of the %s machine',
  (_name, entry) => {
    const spec = walkSpec(entry);

    it('starts where initialTransition starts', () => {
      const [official, officialActions] = initialTransition(entry.machine, spec.inputs[0] as never);
      const mine = createStepper(entry.machine).initial(spec.inputs[0] as never);
      expect(view(mine.snapshot)).toEqual(view(official));
      expect(mine.actions.map(plain)).toEqual(officialActions.map(plain));
    });

    it('agrees with transition() step by step on long random event sequences', () => {
      const stepper = createStepper(entry.machine);
      fc.assert(fc.property(fc.array(fc.nat(), { minLength: 100, maxLength: 300 }), (picks) => {
        let [official] = initialTransition(entry.machine, spec.inputs[0] as never);
        let mine = stepper.initial(spec.inputs[0] as never).snapshot;
        for (const pick of picks) {
          const arrivable = spec.events.filter((event) => canArrive(official, event));
          if (official.status !== 'active' || arrivable.length === 0) break;
          const event = arrivable[pick % arrivable.length]!;
          const [nextOfficial, officialActions] =
            transition(entry.machine, official, event as never);
          const next = stepper.step(mine, event as never);
          expect(next.snapshot === mine).toBe(nextOfficial === official);
          expect(view(next.snapshot)).toEqual(view(nextOfficial));
          expect(next.actions.map(plain)).toEqual(officialActions.map(plain));
          [official, mine] = [nextOfficial, next.snapshot];
        }
      }), { numRuns: 20 });
    });
  });

/**
 * How `toEffects` reads XState's built-in actions, held to a probe machine that uses every one
 * the hosts interpret: an upgrade that renames an action type or a parameter fails here.
 */
describe('effects read from the actions of a step', () => {
  const child = setup({}).createMachine({ id: 'child', initial: 'idle', states: { idle: {} } });
  const probe = setup({
    actors: { child, call: fromPromise(async () => 'done') },
    actions: { command: () => {} },
    delays: { graceMs: 250 },
  }).createMachine({
    id: 'probe',
    initial: 'a',
    states: {
      a: {
        on: {
          go: {
            target: 'b',
            actions: [
              spawnChild('child', { id: 'kid', input: { n: 1 } }),
              sendTo('kid', { type: 'poke' }),
              'command',
              raise({ type: 'later' }, { id: 'timer', delay: 'graceMs' }),
            ],
          },
        },
      },
      b: {
        invoke: { id: 'job', src: 'call', input: { what: 'x' } },
        on: { stop: { target: 'c', actions: [cancel('timer'), stopChild('kid')] } },
      },
      c: {},
    },
  });

  it('decodes invokes, spawns, sends, named actions, delays, cancels and stops', () => {
    const stepper = createStepper(probe);
    const start = stepper.initial(undefined as never);
    const go = stepper.step(start.snapshot, { type: 'go' } as never);
    expect(toEffects(go.actions)).toEqual([
      { kind: 'invoke', id: 'kid', src: 'child', input: { n: 1 } },
      { kind: 'send', to: 'kid', event: { type: 'poke' } },
      { kind: 'action', name: 'command' },
      { kind: 'timer', id: 'timer', event: { type: 'later' }, delay: 250 },
      { kind: 'invoke', id: 'job', src: 'call', input: { what: 'x' } },
    ]);
    const stop = stepper.step(go.snapshot, { type: 'stop' } as never);
    expect(toEffects(stop.actions)).toEqual([
      { kind: 'stopInvoke', id: 'job' },
      { kind: 'cancelTimer', id: 'timer' },
      { kind: 'stopInvoke', id: 'kid' },
    ]);
  });
});
