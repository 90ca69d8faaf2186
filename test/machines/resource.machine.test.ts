import { initialTransition, transition, type EventFrom, type SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { LockMode } from '../../contract/flags.ts';
import { resourceMachine } from '../../machines/resource.machine.ts';

type Snapshot = SnapshotFrom<typeof resourceMachine>;
type Event = EventFrom<typeof resourceMachine>;

const NAME = '/var/lib/images/a.img';

function run(mode: LockMode, ...events: Event[]): Snapshot {
  let [snapshot] = initialTransition(resourceMachine, { name: NAME, mode });
  for (const event of events) [snapshot] = transition(resourceMachine, snapshot, event);
  return snapshot;
}

const acquire: Event = { type: 'resource.acquire' };
const acquired: Event = { type: 'resource.acquired' };
const acquireFailed: Event = { type: 'resource.acquireFailed' };
const release: Event = { type: 'resource.release' };
const released: Event = { type: 'resource.released' };
const releaseFailed: Event = { type: 'resource.releaseFailed' };

describe('the resource machine', () => {
  it('starts declared, keeping its name and mode in context', () => {
    const snapshot = run('shared');
    expect(snapshot.value).toBe('declared');
    expect(snapshot.context).toEqual({ name: NAME, mode: 'shared' });
  });

  it.each([
    ['exclusive', { held: 'exclusive' }],
    ['shared', { held: 'shared' }],
    ['readonly', { held: 'readonly' }],
  ] as const)('is held %s after a successful acquire', (mode, value) => {
    expect(run(mode, acquire).value).toBe('acquiring');
    expect(run(mode, acquire, acquired).value).toEqual(value);
  });

  it('is released after a successful release, and may be acquired again', () => {
    const snapshot = run('exclusive', acquire, acquired, release, released);
    expect(snapshot.value).toBe('released');
    expect(run('exclusive', acquire, acquired, release, released, acquire).value).toBe('acquiring');
  });

  it('says the lock may or may not be held after a failed acquire', () => {
    const snapshot = run('exclusive', acquire, acquireFailed);
    expect(snapshot.value).toEqual({ unknown: 'afterAcquire' });
    expect(snapshot._nodes.map((n) => n.description)).toContain(
      'undefined by the seed: the lock may or may not be held');
  });

  it('says the lock may still be held after a failed release', () => {
    const snapshot = run('shared', acquire, acquired, release, releaseFailed);
    expect(snapshot.value).toEqual({ unknown: 'afterRelease' });
    expect(snapshot.context.mode).toBe('shared');
  });

  it('does not leave unknown on a stray success reply, only on a new call or a resolution', () => {
    const unknown = run('exclusive', acquire, acquireFailed);
    expect(transition(resourceMachine, unknown, acquired)[0]).toBe(unknown);
    expect(transition(resourceMachine, unknown, released)[0]).toBe(unknown);
    expect(transition(resourceMachine, unknown, acquire)[0].value).toBe('acquiring');
    expect(transition(resourceMachine, unknown, release)[0].value).toBe('releasing');
  });

  it.each([
    ['exclusive', { held: 'exclusive' }],
    ['shared', { held: 'shared' }],
    ['readonly', { held: 'readonly' }],
  ] as const)('resolves an unknown %s resource to held in its own mode', (mode, value) => {
    const unknown = run(mode, acquire, acquired, release, releaseFailed);
    expect(transition(resourceMachine, unknown, { type: 'resource.resolve', held: true })[0].value)
      .toEqual(value);
  });

  it('resolves an unknown resource to released when it is found not held', () => {
    const unknown = run('exclusive', acquire, acquireFailed);
    const notHeld = { type: 'resource.resolve', held: false } as const;
    const [snapshot] = transition(resourceMachine, unknown, notHeld);
    expect(snapshot.value).toBe('released');
  });

  it('rejects replies that answer no call in flight', () => {
    const declared = run('exclusive');
    expect(transition(resourceMachine, declared, acquired)[0]).toBe(declared);
    const held = run('exclusive', acquire, acquired);
    expect(transition(resourceMachine, held, acquire)[0]).toBe(held);
    const notHeld = { type: 'resource.resolve', held: false } as const;
    expect(transition(resourceMachine, held, notHeld)[0]).toBe(held);
  });

  it('performs nothing itself: no transition returns actions', () => {
    const [, actions] = transition(resourceMachine, run('exclusive', acquire), acquireFailed);
    expect(actions).toEqual([]);
  });
});
