/**
 * The supervised process (the QEMU stand-in): not started, starting (forked, registering with
 * the lock manager before exec), paused (exec'd with -S, or vCPUs stopped), running (vCPUs
 * executing: only a running process writes its disks), then exited, crashed or killed.
 *
 * The machine is a passive record of facts the environment reports; it performs nothing.
 * Whoever supervises the process (the RFC manager, libvirtd's domain) sends it commands and the
 * environment reports deaths. Events that make no sense in a state are not handled, and the host
 * that sent them rejects them with a typed error.
 */
import { setup } from 'xstate';

export type ProcessEvent =
  | { type: 'process.start' }
  | { type: 'process.exec' }
  | { type: 'process.cont' }
  | { type: 'process.stop' }
  | { type: 'process.exit' }
  | { type: 'process.crash' }
  | { type: 'process.kill' };

export const processMachine = setup({
  types: {} as { events: ProcessEvent },
}).createMachine({
  id: 'process',
  initial: 'notStarted',
  states: {
    notStarted: {
      on: { 'process.start': 'alive' },
    },
    alive: {
      initial: 'starting',
      on: {
        'process.exit': 'exited',
        'process.crash': 'crashed',
        'process.kill': 'killed',
      },
      states: {
        starting: {
          description: 'forked; the child registers with the lock manager, then execs paused',
          on: { 'process.exec': 'paused' },
        },
        paused: {
          description: 'vCPUs stopped: the guest does not write',
          on: { 'process.cont': 'running' },
        },
        running: {
          description: 'vCPUs executing: the guest may write its disks',
          on: { 'process.stop': 'paused' },
        },
      },
    },
    exited: { type: 'final' },
    crashed: { type: 'final' },
    killed: { type: 'final', description: 'killed with prejudice (SIGKILL)' },
  },
});

export type ProcessMachine = typeof processMachine;
