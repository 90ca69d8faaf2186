/**
 * libvirtd's orchestration of one VM on one host, over the lock manager (`domain_lock.c` and the
 * QEMU driver's callers, reference §5). The invariant libvirt aims for is "leases held ⇔ guest
 * CPUs running", so lock calls sit on the paused ⇄ running edges, not on process start and stop:
 *
 * - start: the forked child registers the QEMU pid (register-only + restrict), QEMU execs paused,
 *   then libvirtd acquires every disk before the first `cont`;
 * - pause releases (saving the lock-state string), resume acquires with it; a failed release is
 *   only a warning, a failed resume leaves the domain paused with its state kept for a retry;
 * - disk hotplug acquires the new disk before `device_add`, unplug releases after removal;
 * - migration: the source inquires the state for the cookie, stops the vCPUs and releases at
 *   switchover; the destination, started paused and registered, acquires and runs; confirm kills
 *   the source, cancel makes it re-acquire and run again;
 * - destroy, crash and kill make no lock call at all: the lock service releases on the process's
 *   connection EOF;
 * - QEMU's own STOP event releases like a pause; its RESUME event (someone typed `cont`) does
 *   *not* acquire in current libvirt, which the simulator shows to be unsafe;
 * - a pause releases twice (reference §6 #8): StopCPUs no longer sets the domain's state, so
 *   the STOP event its `stop` makes QEMU emit — handled while StopCPUs waits for the reply —
 *   finds the domain RUNNING and releases, then StopCPUs releases again. The second release
 *   reaches the driver with nothing held: virtlockd answers "not locked", libvirt only warns.
 *
 * Lock calls are named actors (`registerOwner`, `acquireLocks`, …), process commands are named
 * actions (`launchProcess`, `contProcess`, …) and the SIGTERM→SIGKILL grace is the named delay
 * `killGraceMs`; hosts provide them.
 */
import { and, assign, or, setup, stateIn } from 'xstate';
import { toErrorData, type LockErrorData } from '../contract/errors.ts';
import type { ResourceSpec } from '../contract/resources.ts';
import { unprovided, type DomainLockInput, type LockStateOutput } from './actors.ts';
import { withDisk, withoutDisk } from './logic/domain.ts';

export interface DomainContext {
  /** The persistent configuration's disks (path spelling, mode): what a start attaches. */
  readonly definition: readonly ResourceSpec[];
  /** The disks attached now (the live configuration: hotplug and unplug change it). */
  readonly disks: readonly ResourceSpec[];
  /**
   * The saved lock-state string (`priv->lockState`, status XML `<lockstate>`): set by a release
   * (pause, switchover) or a migration cookie, used by the next resume and freed once a resume
   * succeeds; a failed resume keeps it for the next try (qemuProcessStartCPUs).
   */
  readonly lockState: string | null;
  /**
   * The migration cookie's `<lockstate>` a source sends (qemuMigrationCookieAddLockstate): its
   * inquire result while it runs. The source's own `lockState` is left alone.
   */
  readonly cookie: string | null;
  /** The disk a hotplug or unplug is about. */
  readonly pending: ResourceSpec | null;
  readonly lastError: LockErrorData | null;
  /** After a libvirtd restart: the state QEMU reported when libvirtd reconnected. */
  readonly reconnected: 'running' | 'paused' | null;
}

export interface DomainInput {
  /** The persistent configuration's disks. */
  readonly disks: readonly ResourceSpec[];
  /** The live configuration after a libvirtd restart (status XML); defaults to `disks`. */
  readonly liveDisks?: readonly ResourceSpec[];
  readonly lockState?: string | null;
  /** Set when libvirtd restarts and re-attaches to a live QEMU (no lock call is made). */
  readonly reconnect?: 'running' | 'paused';
}

export type DomainCall =
  | { type: 'domain.start' }
  | { type: 'domain.pause' }
  | { type: 'domain.resume' }
  | { type: 'domain.destroy' }
  | { type: 'domain.attach'; disk: ResourceSpec }
  | { type: 'domain.detach'; name: string }
  | { type: 'migrate.begin' }
  | { type: 'migrate.perform' }
  | { type: 'migrate.confirm'; success: boolean }
  | { type: 'migrate.prepare'; lockState: string | null }
  | { type: 'migrate.finish' }
  | { type: 'migrate.cancel' };

/** Notifications from QEMU's monitor: facts, not requests. */
export type DomainNotice = { type: 'qemu.stop' } | { type: 'qemu.resume' } | { type: 'qemu.exit' };

export type DomainEvent = DomainCall | DomainNotice;

const errorOf = ({ event }: { event: unknown }): LockErrorData =>
  toErrorData((event as { error: LockErrorData }).error);

const lockInput = ({ context }: { context: DomainContext }): DomainLockInput => ({
  disks: context.disks,
  lockState: context.lockState,
});

const pendingInput = ({ context }: { context: DomainContext }): DomainLockInput => ({
  disks: context.pending ? [context.pending] : [],
  lockState: null,
});

type Args = { context: DomainContext; event: DomainEvent };

/**
 * What libvirtd tells QEMU to do: named actions the host performs (start the process paused,
 * `cont`, `stop`, SIGTERM, SIGKILL). A host implements exactly these names, so renaming one is a
 * compile error there.
 */
export const PROCESS_COMMANDS = ['launchProcess', 'contProcess', 'stopProcess', 'terminateProcess',
  'killProcess'] as const;
export type ProcessCommand = (typeof PROCESS_COMMANDS)[number];

const PROCESS_COMMAND_ACTIONS = Object.fromEntries(PROCESS_COMMANDS.map((name) => [name, () => {}])) as
  Record<ProcessCommand, () => void>;

export const domainMachine = setup({
  types: {} as { context: DomainContext; input: DomainInput; events: DomainEvent },
  actors: {
    registerOwner: unprovided<DomainLockInput, void>('registerOwner'),
    acquireLocks: unprovided<DomainLockInput, void>('acquireLocks'),
    releaseLocks: unprovided<DomainLockInput, LockStateOutput>('releaseLocks'),
    inquireLocks: unprovided<DomainLockInput, LockStateOutput>('inquireLocks'),
    acquireDisk: unprovided<DomainLockInput, void>('acquireDisk'),
    releaseDisk: unprovided<DomainLockInput, LockStateOutput>('releaseDisk'),
  },
  actions: {
    ...PROCESS_COMMAND_ACTIONS,
    recordError: assign({ lastError: errorOf }),
    clearError: assign({ lastError: null }),
    saveLockState: assign({
      lockState: ({ event }) => (event as { output?: string | null }).output ?? null,
    }),
    /**
     * The state string is gone after a failed pause release: the STOP handler frees it before
     * its release, and StopCPUs' release overwrites the handler's (virtlockd's driver sets it
     * to NULL before it asks the daemon anything).
     */
    dropLockState: assign({ lockState: null }),
    keepCookie: assign({
      lockState: ({ context, event }: Args) =>
        event.type === 'migrate.prepare' ? event.lockState : context.lockState,
    }),
    bakeCookie: assign({
      cookie: ({ event }) => (event as { output?: string | null }).output ?? null,
    }),
    setPending: assign({
      pending: ({ context, event }: Args) => {
        if (event.type === 'domain.attach') return event.disk;
        if (event.type === 'domain.detach') {
          return context.disks.find((disk) => disk.name === event.name) ?? null;
        }
        return null;
      },
    }),
    plugPending: assign({
      disks: ({ context }: Args) => withDisk(context.disks, context.pending),
    }),
    unplugPending: assign({
      disks: ({ context }: Args) => withoutDisk(context.disks, context.pending),
    }),
    dropPending: assign({ pending: null }),
    restoreDefinition: assign({ disks: ({ context }: Args) => context.definition, pending: null }),
  },
  guards: {
    reconnectedRunning: ({ context }) => context.reconnected === 'running',
    reconnectedPaused: ({ context }) => context.reconnected === 'paused',
    migrationSucceeded: ({ event }) => event.type === 'migrate.confirm' && event.success,
    isAttached: ({ context, event }) =>
      event.type === 'domain.detach' && context.disks.some((disk) => disk.name === event.name),
    isNewDisk: ({ context, event }) =>
      event.type === 'domain.attach' && !context.disks.some((disk) => disk.name === event.disk.name),
    devicesIdle: stateIn('#domain.active.devices.idle'),
    vcpusSettled: or([stateIn('#domain.active.vcpus.paused'), stateIn('#domain.active.vcpus.running')]),
    vcpusRunning: stateIn('#domain.active.vcpus.running'),
  },
  delays: { killGraceMs: 1_000 },
}).createMachine({
  id: 'domain',
  context: ({ input }) => ({
    definition: input.disks,
    disks: input.liveDisks ?? input.disks,
    lockState: input.lockState ?? null,
    cookie: null,
    pending: null,
    lastError: null,
    reconnected: input.reconnect ?? null,
  }),
  initial: 'defined',
  states: {
    defined: {
      description: 'libvirtd (re)loads the domain: after a restart it re-attaches to a live QEMU',
      always: [
        { guard: 'reconnectedRunning', target: '#domain.active.vcpus.running' },
        { guard: 'reconnectedPaused', target: '#domain.active.vcpus.paused' },
        { target: 'shutoff' },
      ],
    },
    shutoff: {
      description: 'no QEMU; the live configuration falls back to the persistent one',
      entry: 'restoreDefinition',
      on: {
        'domain.start': { target: 'starting', actions: 'launchProcess' },
        'migrate.prepare': { target: 'incoming', actions: ['keepCookie', 'launchProcess'] },
      },
    },
    starting: {
      description: 'the child registers the QEMU pid and restricts its connection, then execs paused',
      on: { 'qemu.exit': 'shutoff', 'domain.destroy': 'destroying' },
      invoke: {
        id: 'registerOwner',
        src: 'registerOwner',
        input: lockInput,
        onDone: 'booting',
        onError: { target: 'destroying', actions: 'recordError' },
      },
    },
    booting: {
      description: 'acquire every disk before the first cont; failure fails the start',
      on: { 'qemu.exit': 'shutoff', 'domain.destroy': 'destroying' },
      invoke: {
        id: 'acquireLocks',
        src: 'acquireLocks',
        input: lockInput,
        onDone: {
          target: '#domain.active.vcpus.running', actions: ['dropLockState', 'clearError', 'contProcess'],
        },
        onError: { target: 'destroying', actions: 'recordError' },
      },
    },
    active: {
      type: 'parallel',
      on: {
        'domain.destroy': 'destroying',
        'qemu.exit': 'shutoff',
        'migrate.begin': { guard: and(['vcpusRunning', 'devicesIdle']), target: 'outgoing' },
      },
      states: {
        vcpus: {
          initial: 'paused',
          states: {
            paused: {
              on: {
                'domain.resume': { guard: 'devicesIdle', target: 'resuming' },
                'qemu.resume': { target: 'running', description: 'resumed outside libvirt: no acquire' },
              },
            },
            resuming: {
              invoke: {
                id: 'acquireLocks',
                src: 'acquireLocks',
                input: lockInput,
                onDone: { target: 'running', actions: ['dropLockState', 'clearError', 'contProcess'] },
                onError: { target: 'paused', actions: 'recordError' },
              },
            },
            running: {
              on: {
                'domain.pause': { guard: 'devicesIdle', target: 'pausing', actions: 'stopProcess' },
                'qemu.stop': { target: 'stopping', description: 'QEMU stopped itself (I/O error, watchdog)' },
              },
            },
            stopping: {
              description: "the STOP handler: the domain was RUNNING, so it releases",
              invoke: {
                id: 'releaseLocks',
                src: 'releaseLocks',
                input: lockInput,
                onDone: { target: 'paused', actions: ['saveLockState', 'clearError'] },
                onError: { target: 'paused', actions: ['recordError', 'dropLockState'] },
              },
            },
            pausing: {
              description: "StopCPUs: `stop`, with the domain's state still RUNNING; QEMU's STOP " +
                'event comes before the reply, its handler releases, then StopCPUs releases again',
              initial: 'awaitingStop',
              states: {
                awaitingStop: {
                  description: 'left within the step: the host delivers the STOP event with the `stop`',
                  tags: ['passedThrough'],
                  on: { 'qemu.stop': 'stopHandler' },
                },
                stopHandler: {
                  invoke: {
                    id: 'releaseLocks',
                    src: 'releaseLocks',
                    input: lockInput,
                    onDone: { target: 'stopCpus', actions: ['saveLockState', 'clearError'] },
                    onError: { target: 'stopCpus', actions: ['recordError', 'dropLockState'] },
                  },
                },
                stopCpus: {
                  description: 'the second release: nothing is held any more, a failure only warns',
                  invoke: {
                    id: 'stopCpusRelease',
                    src: 'releaseLocks',
                    input: lockInput,
                    onDone: { target: '#domain.active.vcpus.paused', actions: ['saveLockState', 'clearError'] },
                    onError: { target: '#domain.active.vcpus.paused', actions: ['recordError', 'dropLockState'] },
                  },
                },
              },
            },
          },
        },
        devices: {
          initial: 'idle',
          states: {
            idle: {
              on: {
                'domain.attach': {
                  guard: and(['isNewDisk', 'vcpusSettled']), target: 'attaching', actions: 'setPending',
                },
                'domain.detach': {
                  guard: and(['isAttached', 'vcpusSettled']),
                  target: 'detaching',
                  actions: ['setPending', 'unplugPending'],
                },
              },
            },
            attaching: {
              description: 'lock the new disk before device_add',
              invoke: {
                id: 'acquireDisk',
                src: 'acquireDisk',
                input: pendingInput,
                onDone: { target: 'idle', actions: ['plugPending', 'dropPending', 'clearError'] },
                onError: { target: 'idle', actions: ['dropPending', 'recordError'] },
              },
            },
            detaching: {
              description: 'the device is gone (DEVICE_DELETED); unlock the disk, a failure is only a warning',
              invoke: {
                id: 'releaseDisk',
                src: 'releaseDisk',
                input: pendingInput,
                onDone: { target: 'idle', actions: ['dropPending', 'clearError'] },
                onError: { target: 'idle', actions: ['dropPending', 'recordError'] },
              },
            },
          },
        },
      },
    },
    outgoing: {
      description: 'migration source',
      initial: 'inquiring',
      on: { 'qemu.exit': 'shutoff', 'domain.destroy': 'destroying' },
      states: {
        inquiring: {
          invoke: {
            id: 'inquireLocks',
            src: 'inquireLocks',
            input: lockInput,
            onDone: { target: 'begun', actions: 'bakeCookie' },
            onError: { target: '#domain.active.vcpus.running', actions: 'recordError' },
          },
        },
        begun: { on: { 'migrate.perform': { target: 'performing', actions: 'stopProcess' } } },
        performing: {
          description: 'switchover: QEMU stops the vCPUs and the STOP handler releases, once ' +
            '(libvirt waits for it: no StopCPUs here)',
          invoke: {
            id: 'releaseLocks',
            src: 'releaseLocks',
            input: lockInput,
            onDone: { target: 'performed', actions: ['saveLockState', 'clearError'] },
            onError: { target: 'performed', actions: ['dropLockState', 'recordError'] },
          },
        },
        performed: {
          description: 'nobody holds the locks until the destination acquires',
          on: {
            'migrate.confirm': [
              { guard: 'migrationSucceeded', target: '#domain.destroying' },
              { target: '#domain.active.vcpus.resuming' },
            ],
          },
        },
      },
    },
    incoming: {
      description: 'migration destination',
      initial: 'preparing',
      on: { 'qemu.exit': 'shutoff', 'domain.destroy': 'destroying' },
      states: {
        preparing: {
          invoke: {
            id: 'registerOwner',
            src: 'registerOwner',
            input: lockInput,
            onDone: 'prepared',
            onError: { target: '#domain.destroying', actions: 'recordError' },
          },
        },
        prepared: {
          on: { 'migrate.finish': 'finishing', 'migrate.cancel': '#domain.destroying' },
        },
        finishing: {
          invoke: {
            id: 'acquireLocks',
            src: 'acquireLocks',
            input: lockInput,
            onDone: {
              target: '#domain.active.vcpus.running', actions: ['dropLockState', 'clearError', 'contProcess'],
            },
            onError: { target: '#domain.destroying', actions: 'recordError' },
          },
        },
      },
    },
    destroying: {
      description: 'SIGTERM, then SIGKILL after the grace period; locks go with the process',
      entry: 'terminateProcess',
      after: { killGraceMs: { actions: 'killProcess' } },
      on: { 'qemu.exit': 'shutoff' },
    },
  },
});

export type DomainMachine = typeof domainMachine;
