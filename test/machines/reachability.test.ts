/**
 * Every state of every catalogued machine is reachable, and every event in every reachable
 * configuration is either handled or rejected: a bounded breadth-first walk over pure
 * transitions (test/helpers/walk.ts) feeds each configuration every external event with
 * representative payloads, plus the invoke results and delays the machine waits for.
 */
import { getInitialMicrosteps, type AnyMachineSnapshot, type AnyStateNode } from 'xstate';
import { describe, expect, it } from 'vitest';
import { describeState, rejection } from '../../api/rejection.ts';
import { isLockError } from '../../contract/errors.ts';
import { CATALOG, externalEvents, stateNodes, statePath } from '../../machines/catalog.ts';
import type { ManagerEvent } from '../../machines/manager.machine.ts';
import { walkSpec } from '../helpers/alphabets.ts';
import { hangingContext, replay } from '../helpers/hanging-context.ts';
import { stableKey } from '../helpers/stable-key.ts';
import { activePaths, handled, walk, type Configuration, type Outcome } from '../helpers/walk.ts';

function leaves(snapshot: AnyMachineSnapshot): string[] {
  return (snapshot._nodes as AnyStateNode[])
    .filter((node) => node.type === 'atomic' || node.type === 'final')
    .map((node) => node.path.join('.'));
}

const walks = CATALOG.map((entry) => {
  const spec = walkSpec(entry);
  return { entry, spec, configurations: walk(entry.machine, spec) };
});

describe.each(walks.map((w) => [w.entry.name, w] as const))('the %s machine', (name, w) => {
  const { entry, spec, configurations } = w;
  const explored = configurations.filter((c): c is Configuration & { outcomes: Outcome[] } =>
    c.outcomes !== null);
  const externalTypes = new Set(spec.external.map((event) => event.type));

  it('is walked with exactly the external events its definition handles', () => {
    expect([...externalTypes].sort()).toEqual(externalEvents(entry.machine));
  });

  it('reaches every state node, transient ones during the initial microsteps', () => {
    const reached = new Set(configurations.flatMap((c) => activePaths(c.snapshot)));
    for (const input of spec.inputs) {
      for (const [snapshot] of getInitialMicrosteps(entry.machine, input as never)) {
        for (const path of activePaths(snapshot)) reached.add(path);
      }
    }
    const unreached = stateNodes(entry.machine).map(statePath).filter((p) => !reached.has(p));
    expect(unreached).toEqual([]);
  });

  it('never ends up in an error snapshot, whatever it is fed', () => {
    const broken = explored.flatMap((c) => c.outcomes
      .filter((o) => o.next.status === 'error')
      .map((o) => `${c.path.map((e) => e.type).join(' → ')} → ${o.event.type}`));
    expect(broken).toEqual([]);
  });

  it('handles the result of every invoke it runs and every delay it arms', () => {
    const dropped = explored.flatMap((c) => c.outcomes
      .filter((o) => o.event.type.startsWith('xstate.') && !handled(c, o))
      .map((o) => `${c.path.map((e) => e.type).join(' → ')} → ${o.event.type}`));
    expect(dropped).toEqual([]);
  });

  it('handles every external event in at least one reachable configuration', () => {
    const types = new Set(explored.flatMap((c) => c.outcomes
      .filter((o) => handled(c, o)).map((o) => o.event.type)));
    expect([...externalTypes].filter((type) => !types.has(type))).toEqual([]);
  });

  it('rejects each unhandled event with OPERATION_INVALID naming the event and the state', () => {
    let rejected = 0;
    const unclear: string[] = [];
    for (const c of explored) {
      for (const { event, next, actions } of c.outcomes) {
        if (handled(c, { event, next, actions }) || !externalTypes.has(event.type)) continue;
        const error = rejection(name, c.snapshot, event.type);
        const clear = error.code === 'OPERATION_INVALID' &&
          error.message.startsWith(`${event.type}: not allowed while the ${name} is in state`) &&
          leaves(c.snapshot).every((leaf) => error.message.includes(leaf));
        if (!clear) unclear.push(`${error.code}: ${error.message}`);
        rejected++;
      }
    }
    expect(unclear).toEqual([]);
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('the manager machine under its API host', () => {
  const { entry, spec, configurations } = walks.find((w) => w.entry.name === 'manager')!;
  // One configuration per distinct state value, reached by its shortest path.
  const byValue = new Map<string, Configuration>();
  for (const c of configurations) {
    const key = stableKey(c.snapshot.value);
    if (c.outcomes !== null && !byValue.has(key)) byValue.set(key, c);
  }
  const external = new Set(spec.external.map((event) => event.type));

  it('changes its snapshot on every event it handles, which is how its host tells', () => {
    // ManagedContext rejects a call when the snapshot object comes back unchanged; a handled
    // transition that only ran actions would look the same, so there must be none.
    const silent = configurations.flatMap((c) => (c.outcomes ?? [])
      .filter((o) => o.next === c.snapshot && o.actions > 0)
      .map((o) => `${stableKey(c.snapshot.value)} + ${o.event.type}`));
    expect(silent).toEqual([]);
  });

  it('reproduces each walked configuration on a live actor', () => {
    for (const c of byValue.values()) {
      const live = hangingContext(entry.exampleInput as never);
      replay(live, c.path);
      expect(live.snapshot.value).toEqual(c.snapshot.value);
      expect(live.snapshot.context).toEqual(c.snapshot.context);
    }
    expect(byValue.size).toBeGreaterThan(10);
  });

  it('turns every call the machine leaves unhandled into a typed error naming call and state',
    async () => {
      let checked = 0;
      for (const c of byValue.values()) {
        const live = hangingContext(entry.exampleInput as never);
        replay(live, c.path);
        const state = describeState(live.snapshot);
        // call() rejects before its first await, so nothing settles between the calls.
        const unhandled = c.outcomes!
          .filter((o) => !handled(c, o) && external.has(o.event.type));
        const before = live.snapshot;
        const settled = unhandled.map((o) =>
          live.call(o.event as ManagerEvent, `call:${o.event.type}`)
            .then(() => null, (error: unknown) => ({ event: o.event.type, error })));
        expect(live.snapshot).toBe(before);
        for (const result of await Promise.all(settled)) {
          expect(result, 'an unhandled call must not resolve').not.toBeNull();
          const { event, error } = result!;
          expect(isLockError(error) && error.code).toBe('OPERATION_INVALID');
          expect((error as Error).message).toContain(`call:${event}:`);
          expect((error as Error).message).toContain(state);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(100);
    });
});
