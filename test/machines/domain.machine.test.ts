import { initialTransition, transition, type AnyEventObject, type SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { ResourceSpec } from '../../contract/resources.ts';
import { domainMachine, type DomainInput } from '../../machines/domain.machine.ts';
import { DRIVER_FAILURE } from '../helpers/alphabets.ts';
import { delayed, named, spawned, spawnedIds } from '../helpers/actions.ts';

type Snapshot = SnapshotFrom<typeof domainMachine>;
type Actions = ReturnType<typeof transition<typeof domainMachine>>[1];

const A: ResourceSpec = { kind: 'disk', name: '/images/a.img', mode: 'exclusive' };
const B: ResourceSpec = { kind: 'disk', name: '/images/b.img', mode: 'exclusive' };
const done = (id: string, output: unknown = null) => ({ type: `xstate.done.actor.${id}`, output });
const fail = (id: string) => ({ type: `xstate.error.actor.${id}`, error: DRIVER_FAILURE });

function start(input: DomainInput = { disks: [A] }) {
  const [snapshot, actions] = initialTransition(domainMachine, input);
  return { snapshot, actions };
}

function run(from: Snapshot, ...events: AnyEventObject[]) {
  let snapshot = from;
  let actions: Actions = [];
  for (const event of events) {
    [snapshot, actions] = transition(domainMachine, snapshot, event as never);
  }
  return { snapshot, actions };
}

const running = () => run(start().snapshot, { type: 'domain.start' }, done('registerOwner'),
  done('acquireLocks')).snapshot;
/** A pause: `stop`, QEMU's STOP event (its handler releases), then StopCPUs' own release. */
const paused = () => run(running(), { type: 'domain.pause' }, { type: 'qemu.stop' },
  done('releaseLocks', 'first'), done('stopCpusRelease', 'saved')).snapshot;

describe('the domain machine: start', () => {
  it('is shut off when defined fresh, and makes no lock call', () => {
    const { snapshot, actions } = start();
    expect(snapshot.value).toBe('shutoff');
    expect(actions).toEqual([]);
  });

  it.each(['running', 'paused'] as const)('reconnects to a %s QEMU without a lock call',
    (state) => {
      const { snapshot, actions } = start({ disks: [A], reconnect: state, lockState: 's' });
      expect(snapshot.matches({ active: { vcpus: state, devices: 'idle' } })).toBe(true);
      expect(spawned(actions)).toEqual([]);
    });

  it('launches QEMU and registers its pid before exec', () => {
    const { snapshot, actions } = run(start().snapshot, { type: 'domain.start' });
    expect(snapshot.value).toBe('starting');
    expect(named(actions)).toEqual(['launchProcess']);
    expect(spawned(actions)).toEqual([{ id: 'registerOwner', src: 'registerOwner',
      input: { disks: [A], lockState: null } }]);
  });

  it('enters booting by invoking acquireLocks with every disk and the saved state', () => {
    const starting = run(start({ disks: [A, B], lockState: 'saved' }).snapshot,
      { type: 'domain.start' }).snapshot;
    const { snapshot, actions } = run(starting, done('registerOwner'));
    expect(snapshot.value).toBe('booting');
    expect(spawned(actions)).toEqual([{ id: 'acquireLocks', src: 'acquireLocks',
      input: { disks: [A, B], lockState: 'saved' } }]);
  });

  it('runs the vCPUs (cont) only once the locks are held', () => {
    const booting = run(start().snapshot, { type: 'domain.start' }, done('registerOwner')).snapshot;
    const { snapshot, actions } = run(booting, done('acquireLocks'));
    expect(snapshot.matches({ active: { vcpus: 'running', devices: 'idle' } })).toBe(true);
    expect(named(actions)).toEqual(['contProcess']);
  });

  it('destroys the VM when the start-up acquire fails, scheduling the kill grace delay', () => {
    const booting = run(start().snapshot, { type: 'domain.start' }, done('registerOwner')).snapshot;
    const { snapshot, actions } = run(booting, fail('acquireLocks'));
    expect(snapshot.value).toBe('destroying');
    expect(snapshot.context.lastError).toEqual(DRIVER_FAILURE);
    expect(named(actions)).toEqual(['terminateProcess']);
    expect(delayed(actions))
      .toEqual([{ id: 'xstate.after.killGraceMs.domain.destroying', delay: 1000 }]);
  });

  it('kills with prejudice when the grace delay fires, then is shut off on exit', () => {
    const destroying = run(running(), { type: 'domain.destroy' }).snapshot;
    const { actions } = run(destroying, { type: 'xstate.after.killGraceMs.domain.destroying' });
    expect(named(actions)).toEqual(['killProcess']);
    expect(run(destroying, { type: 'qemu.exit' }).snapshot.value).toBe('shutoff');
  });
});

describe('the domain machine: pause and resume', () => {
  it('stops the process on pause and waits for QEMU\'s STOP event before any release', () => {
    const { snapshot: pausing, actions } = run(running(), { type: 'domain.pause' });
    expect(pausing.matches({ active: { vcpus: { pausing: 'awaitingStop' } } })).toBe(true);
    expect(named(actions)).toEqual(['stopProcess']);
    expect(spawnedIds(actions)).toEqual([]);
  });

  it('releases twice on pause: the STOP handler, then StopCPUs (§6 #8)', () => {
    const { snapshot: handler, actions } = run(running(), { type: 'domain.pause' }, { type: 'qemu.stop' });
    expect(spawnedIds(actions)).toEqual(['releaseLocks']);
    const { snapshot: stopCpus, actions: second } = run(handler, done('releaseLocks', 'first'));
    expect(stopCpus.matches({ active: { vcpus: { pausing: 'stopCpus' } } })).toBe(true);
    expect(spawned(second)).toEqual([{ id: 'stopCpusRelease', src: 'releaseLocks',
      input: { disks: [A], lockState: 'first' } }]);
    // StopCPUs' release overwrites the handler's state string.
    expect(run(stopCpus, done('stopCpusRelease', 'saved')).snapshot.context.lockState).toBe('saved');
  });

  it('is paused with a warning when the second release finds nothing held', () => {
    const stopCpus = run(running(), { type: 'domain.pause' }, { type: 'qemu.stop' },
      done('releaseLocks', 'first')).snapshot;
    const { snapshot } = run(stopCpus, fail('stopCpusRelease'));
    expect(snapshot.matches({ active: { vcpus: 'paused' } })).toBe(true);
    expect(snapshot.context.lastError).toEqual(DRIVER_FAILURE);
    expect(snapshot.context.lockState).toBeNull();
  });

  it('resumes by acquiring with the saved state before cont', () => {
    const { snapshot, actions } = run(paused(), { type: 'domain.resume' });
    expect(snapshot.matches({ active: { vcpus: 'resuming' } })).toBe(true);
    expect(spawned(actions)[0]?.input).toEqual({ disks: [A], lockState: 'saved' });
    const resumed = run(snapshot, done('acquireLocks'));
    expect(named(resumed.actions)).toEqual(['contProcess']);
    // qemuProcessStartCPUs frees priv->lockState once the resume succeeded.
    expect(resumed.snapshot.context.lockState).toBeNull();
  });

  it('stays paused with its state kept when the resume acquire fails', () => {
    const resuming = run(paused(), { type: 'domain.resume' }).snapshot;
    const { snapshot } = run(resuming, fail('acquireLocks'));
    expect(snapshot.matches({ active: { vcpus: 'paused' } })).toBe(true);
    expect(snapshot.context.lockState).toBe('saved');
    expect(snapshot.context.lastError).toEqual(DRIVER_FAILURE);
  });

  it('releases once when QEMU stops itself, and does not acquire when QEMU resumes itself', () => {
    const { snapshot: stopping, actions: stop } = run(running(), { type: 'qemu.stop' });
    expect(stopping.matches({ active: { vcpus: 'stopping' } })).toBe(true);
    expect(spawnedIds(stop)).toEqual(['releaseLocks']);
    expect(run(stopping, done('releaseLocks', 's')).snapshot.matches({ active: { vcpus: 'paused' } }))
      .toBe(true);
    const { snapshot, actions } = run(paused(), { type: 'qemu.resume' });
    expect(snapshot.matches({ active: { vcpus: 'running' } })).toBe(true);
    expect(spawned(actions)).toEqual([]);
  });

  it('treats failed pause releases as warnings: paused all the same, the state string lost', () => {
    const pausing = run(running(), { type: 'domain.pause' }, { type: 'qemu.stop' }).snapshot;
    const { snapshot } = run(pausing, fail('releaseLocks'), fail('stopCpusRelease'));
    expect(snapshot.matches({ active: { vcpus: 'paused' } })).toBe(true);
    expect(snapshot.context.lastError).toEqual(DRIVER_FAILURE);
    expect(snapshot.context.lockState).toBeNull();
  });

  it('makes no lock call on destroy: the locks go with the process', () => {
    const { snapshot, actions } = run(running(), { type: 'domain.destroy' });
    expect(snapshot.value).toBe('destroying');
    expect(spawned(actions)).toEqual([]);
  });
});

describe('the domain machine: hotplug', () => {
  it('locks a new disk before device_add, and plugs it only on success', () => {
    const { snapshot: attaching, actions } = run(running(), { type: 'domain.attach', disk: B });
    expect(spawned(actions)).toEqual([{ id: 'acquireDisk', src: 'acquireDisk',
      input: { disks: [B], lockState: null } }]);
    expect(run(attaching, done('acquireDisk')).snapshot.context.disks).toEqual([A, B]);
    expect(run(attaching, fail('acquireDisk')).snapshot.context.disks).toEqual([A]);
  });

  it('unplugs a disk even when its release fails', () => {
    const detaching = run(running(), { type: 'domain.detach', name: A.name }).snapshot;
    const { snapshot } = run(detaching, fail('releaseDisk'));
    expect(snapshot.context.disks).toEqual([]);
    expect(snapshot.context.lastError).toEqual(DRIVER_FAILURE);
  });

  it('refuses to attach a disk twice, detach an unknown one, or pause mid-hotplug', () => {
    const snapshot = running();
    const step = (event: Parameters<typeof transition<typeof domainMachine>>[2]) =>
      transition(domainMachine, snapshot, event)[0];
    expect(step({ type: 'domain.attach', disk: A })).toBe(snapshot);
    expect(step({ type: 'domain.detach', name: '/x' })).toBe(snapshot);
    const attaching = run(snapshot, { type: 'domain.attach', disk: B }).snapshot;
    expect(transition(domainMachine, attaching, { type: 'domain.pause' })[0]).toBe(attaching);
  });
});

describe('the domain machine: migration', () => {
  it('inquires for the cookie, then stops and releases at switchover', () => {
    const { snapshot: inquiring, actions } = run(running(), { type: 'migrate.begin' });
    expect(inquiring.value).toEqual({ outgoing: 'inquiring' });
    expect(spawnedIds(actions)).toEqual(['inquireLocks']);
    const begun = run(inquiring, done('inquireLocks', 'cookie')).snapshot;
    // The inquire result goes into the migration cookie only (qemuMigrationCookieAddLockstate).
    expect(begun.context.cookie).toBe('cookie');
    expect(begun.context.lockState).toBeNull();
    const { snapshot, actions: perform } = run(begun, { type: 'migrate.perform' });
    expect(snapshot.value).toEqual({ outgoing: 'performing' });
    expect(named(perform)).toEqual(['stopProcess']);
    expect(spawnedIds(perform)).toEqual(['releaseLocks']);
  });

  it('dies on a confirmed migration and re-acquires on a cancelled one', () => {
    const performed = run(running(), { type: 'migrate.begin' }, done('inquireLocks', 'c'),
      { type: 'migrate.perform' }, done('releaseLocks')).snapshot;
    const confirmed = run(performed, { type: 'migrate.confirm', success: true }).snapshot;
    expect(confirmed.value).toBe('destroying');
    const { snapshot, actions } = run(performed, { type: 'migrate.confirm', success: false });
    expect(snapshot.matches({ active: { vcpus: 'resuming' } })).toBe(true);
    expect(spawnedIds(actions)).toEqual(['acquireLocks']);
  });

  it('starts a destination paused and registered, and acquires with the cookie on finish', () => {
    const { snapshot: preparing, actions } = run(start().snapshot,
      { type: 'migrate.prepare', lockState: 'cookie' });
    expect(preparing.value).toEqual({ incoming: 'preparing' });
    expect(named(actions)).toEqual(['launchProcess']);
    const prepared = run(preparing, done('registerOwner')).snapshot;
    const { snapshot: finishing, actions: finish } = run(prepared, { type: 'migrate.finish' });
    expect(spawned(finish)[0]?.input).toEqual({ disks: [A], lockState: 'cookie' });
    expect(run(finishing, done('acquireLocks')).snapshot.matches({ active: { vcpus: 'running' } }))
      .toBe(true);
    expect(run(prepared, { type: 'migrate.cancel' }).snapshot.value).toBe('destroying');
  });

  it('migrates only a running domain with no hotplug in progress', () => {
    const snapshot = paused();
    expect(transition(domainMachine, snapshot, { type: 'migrate.begin' })[0]).toBe(snapshot);
  });
});
