/**
 * The domain projection is sound: domain states that differ only in the context fields the
 * explorer leaves out (`lastError`, `reconnected`) take the same transitions, with the same
 * effects, to states that again differ only there — for every event the machine handles.
 */
import type { EventObject } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ActorState } from '../../machines/interned.ts';
import { domainMachine } from '../../machines/domain.machine.ts';
import { resolveSimDriver } from '../../sim/resolve-driver.ts';
import { domainKey, DROPPED_DOMAIN_FIELDS } from '../../sim/explorer/domain-codes.ts';
import { explore } from '../../sim/explorer/explore.ts';
import { inventory } from '../../sim/explorer/coverage.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import { DOMAIN } from '../../sim/world/context.ts';

function probes(paths: readonly string[]): EventObject[] {
  const types = new Set(inventory(domainMachine).transitions.map((cell) => cell.split(' × ')[1]!));
  const events: EventObject[] = [];
  for (const type of types) {
    if (type === '(always)') continue;
    if (type.startsWith('xstate.done.actor.')) events.push({ type, output: null } as EventObject);
    else if (type.startsWith('xstate.error.actor.')) {
      events.push({ type, error: { code: 'RPC', message: 'injected' } } as EventObject);
    } else if (type === 'migrate.confirm') {
      events.push({ type, success: true } as EventObject, { type, success: false } as EventObject);
    } else if (type === 'migrate.prepare') events.push({ type, lockState: null } as EventObject);
    else if (type === 'domain.attach') {
      for (const name of paths) {
        events.push({ type, disk: { kind: 'disk', name, mode: 'shared' } } as EventObject);
      }
    } else if (type === 'domain.detach') {
      for (const name of paths) events.push({ type, name } as EventObject);
    } else events.push({ type });
  }
  return events;
}

const effectsOf = (actor: ActorState, event: EventObject) => {
  const stepped = DOMAIN.step(actor, event);
  return { handled: stepped.handled, next: domainKey(stepped.state, null),
    effects: JSON.stringify(stepped.effects) };
};

describe('the domain projection', () => {
  it('merges only states that behave alike', async () => {
    const model = await resolveSimDriver('model');
    const actors = new Set<ActorState>();
    const sets: FaultName[][] = [['acquire-fails', 'release-fails'],
      ['libvirtd-restart', 'daemon-crash']];
    for (const faults of sets) {
      explore({ driver: model, shape: { hosts: 2, vms: 2, disks: 2 }, faults, faultBudget: 2,
        workload: 3, invariants: [], coverage: false,
        onState: (world) => world.domains.forEach((domain) => actors.add(domain)) });
    }
    const groups = new Map<string, ActorState[]>();
    for (const actor of actors) {
      const key = domainKey(actor, null);
      groups.set(key, [...(groups.get(key) ?? []), actor]);
    }
    const merged = [...groups.values()].filter((group) => group.length > 1);
    // The projection does merge (error texts name pids), or this would check nothing.
    expect(merged.length).toBeGreaterThan(5);
    expect(DROPPED_DOMAIN_FIELDS).toEqual(['lastError', 'reconnected']);
    const events = probes(['/shared/disk0.img', '/shared/disk1.img']);
    for (const [first, ...others] of merged) {
      for (const event of events) {
        const expected = effectsOf(first!, event);
        for (const other of others) expect(effectsOf(other, event)).toEqual(expected);
      }
    }
  });
});
