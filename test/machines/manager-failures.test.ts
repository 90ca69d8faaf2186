/**
 * What the manager believes after a failed driver call (injected as `xstate.error.actor.<id>`).
 * The seed leaves failed acquires and releases undefined, so a resource the call was about is
 * believed *unknown*, never quietly held or released, and the error is kept for the caller.
 */
import { transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { managerMachine } from '../../machines/manager.machine.ts';
import { DRIVER_FAILURE } from '../helpers/alphabets.ts';
import { sent, spawned } from '../helpers/actions.ts';
import { DISK_A, ev, hotpluggedRfc, initial, PARAMS, run, runningRfc } from '../helpers/manager-steps.ts';

const beliefs = (snapshot: ReturnType<typeof initial>) =>
  Object.fromEntries(snapshot.context.resources.map((r) => [r.spec.name, r.belief]));

describe('the manager machine after failed calls', () => {
  it('goes back to declared with the error when registration fails', () => {
    const registering = run(initial(), ev.add(), ev.start).snapshot;
    const { snapshot } = run(registering, ev.fail('registerOwner'));
    expect(snapshot.value).toBe('declared');
    expect(snapshot.context.lastError).toEqual(DRIVER_FAILURE);
    expect(beliefs(snapshot)).toEqual({ [DISK_A.name]: 'declared' });
  });

  it('believes every resource of a failed start-up acquire unknown, and keeps vCPUs paused', () => {
    const acquiring = run(initial(), ev.add(), ev.start, ev.done('registerOwner')).snapshot;
    const { snapshot, actions } = run(acquiring, ev.fail('acquireResources'));
    expect(snapshot.matches({ started: { locks: 'paused' } })).toBe(true);
    expect(beliefs(snapshot)).toEqual({ [DISK_A.name]: 'unknown' });
    expect(sent(actions)).toEqual(['resource.0 ← resource.acquireFailed']);
    expect(snapshot.context.lastError).toEqual(DRIVER_FAILURE);
  });

  it('believes the resources of a failed release unknown, not released', () => {
    const releasing = run(runningRfc(), ev.release).snapshot;
    const { snapshot, actions } = run(releasing, ev.fail('releaseResources'));
    expect(beliefs(snapshot)).toEqual({ [DISK_A.name]: 'unknown' });
    expect(sent(actions)).toEqual(['resource.0 ← resource.releaseFailed']);
  });

  it('believes only the hotplugged resource unknown after a failed attach', () => {
    const attaching = run(runningRfc(), ev.hotplug()).snapshot;
    const { snapshot } = run(attaching, ev.fail('acquireResource'));
    expect(snapshot.matches({ started: { hotplug: 'idle', locks: 'running' } })).toBe(true);
    expect(beliefs(snapshot)).toEqual({ [DISK_A.name]: 'held', '/images/b.img': 'unknown' });
  });

  it('keeps a resource whose detach failed, believed unknown', () => {
    const detaching = run(hotpluggedRfc(), ev.unplug('/images/b.img')).snapshot;
    const { snapshot } = run(detaching, ev.fail('releaseResource'));
    expect(beliefs(snapshot)).toEqual({ [DISK_A.name]: 'held', '/images/b.img': 'unknown' });
  });

  it('releases unknown resources too at shutdown, since they may be held', () => {
    const failed = run(runningRfc(), ev.hotplug(), ev.fail('acquireResource')).snapshot;
    const { actions } = run(failed, ev.shutdown);
    expect(spawned(actions)[0]?.input).toMatchObject({
      resources: [DISK_A, { name: '/images/b.img' }] });
  });

  it('ends shut down with unknown beliefs and the error when the shutdown release fails', () => {
    const shutting = run(runningRfc(), ev.shutdown).snapshot;
    const { snapshot } = run(shutting, ev.fail('shutdown'));
    expect(snapshot.value).toBe('shutDown');
    expect(beliefs(snapshot)).toEqual({ [DISK_A.name]: 'unknown' });
    expect(snapshot.context.lastError).toEqual(DRIVER_FAILURE);
  });

  it('still kills the process on free when the release before it failed', () => {
    const releasing = run(runningRfc(), ev.free).snapshot;
    const { snapshot, actions } = run(releasing, ev.fail('freeRelease'));
    expect(snapshot.value).toEqual({ freeing: 'killing' });
    expect(spawned(actions).map((s) => s.id)).toEqual(['killProcess']);
    expect(snapshot.context.lastError).toEqual(DRIVER_FAILURE);
  });

  it('is freed even when the kill fails, keeping the error', () => {
    const killing = run(runningRfc(), ev.free, ev.done('freeRelease')).snapshot;
    const { snapshot } = run(killing, ev.fail('killProcess'));
    expect(snapshot.status).toBe('done');
    expect(snapshot.output?.lastError).toEqual(DRIVER_FAILURE);
  });

  it('clears the error on the next successful call, and recovers held from unknown', () => {
    const failed = run(runningRfc(), ev.release, ev.fail('releaseResources')).snapshot;
    const { snapshot } = run(failed, ev.acquire(), ev.done('acquireResources'));
    expect(snapshot.context.lastError).toBeNull();
    expect(beliefs(snapshot)).toEqual({ [DISK_A.name]: 'held' });
  });

  it('believes nothing changed after failures of a driver that declares they have no effect', () => {
    const nothing = { params: PARAMS, failure: { acquire: 'nothing', release: 'nothing' } } as const;
    const acquiring = run(initial(nothing), ev.add(), ev.start, ev.done('registerOwner')).snapshot;
    const failedAcquire = run(acquiring, ev.fail('acquireResources'));
    expect(beliefs(failedAcquire.snapshot)).toEqual({ [DISK_A.name]: 'declared' });
    expect(sent(failedAcquire.actions)).toEqual(['resource.0 ← resource.restore']);
    const running = run(failedAcquire.snapshot, ev.acquire(), ev.done('acquireResources')).snapshot;
    const failedRelease = run(running, ev.release, ev.fail('releaseResources')).snapshot;
    expect(beliefs(failedRelease)).toEqual({ [DISK_A.name]: 'held' });
  });

  it('believes unknown only what the declared outcome set lets a failure touch', () => {
    for (const set of ['all-or-nothing', 'prefix', 'any-subset'] as const) {
      const input = { params: PARAMS, failure: { acquire: set, release: set } };
      const acquiring = run(initial(input), ev.add(), ev.start, ev.done('registerOwner')).snapshot;
      expect(beliefs(run(acquiring, ev.fail('acquireResources')).snapshot))
        .toEqual({ [DISK_A.name]: 'unknown' });
    }
  });

  it('accepts no second lock call while a release is in flight', () => {
    const releasing = run(runningRfc(), ev.release).snapshot;
    const calls = [ev.release, ev.acquire(), ev.hotplug(), ev.unplug(DISK_A.name), ev.start];
    for (const event of calls) {
      expect(transition(managerMachine, releasing, event as never)[0]).toBe(releasing);
    }
  });
});
