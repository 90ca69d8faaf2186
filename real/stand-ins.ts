/**
 * The VM stand-ins of a real-mode run, by model pid. Every backend whose QEMU is a real process
 * of its own — lockd's and sanlock's owner processes (`drivers/lockd/owner.ts`), libvirt's
 * helper VMs (`drivers/libvirt/helper-process.ts`) — keeps them here: which host each runs on,
 * whether its vCPUs run (a paused QEMU writes nothing), and the map from real pids back to model
 * pids that the records on the disks are read with.
 */
import { lockError, type LockError } from '../contract/errors.ts';
import { END_SIGNAL, type VmEnd } from './backend.ts';

/** What real mode needs of a process standing in for QEMU. */
export interface StandIn {
  readonly pid: number;
  readonly alive: boolean;
  /** Settles once the process has ended and been reaped. */
  readonly exited: Promise<unknown>;
  /** Appends one record to the disk image at `path` (`kernel/supervisor/records.ts`). */
  write(path: string): Promise<unknown>;
  /** Signals the process and resolves once it has been reaped. */
  kill(signal?: NodeJS.Signals): Promise<unknown>;
}

export interface StandInEntry<V extends StandIn> {
  /** The model's pid for it. */
  readonly pid: number;
  readonly vm: V;
  readonly host: number;
  /** Its vCPUs run (`cont`), or it is paused (launched paused, or `stop`ped). */
  running: boolean;
}

/** A typed error for a host the world does not have. */
export function unknownHost(driver: string, host: number): LockError {
  return lockError('OPERATION_INVALID', `real mode has no host ${host}`, { driver });
}

/** The stand-ins of one run (see the module comment). */
export class StandIns<V extends StandIn> {
  private readonly byPid = new Map<number, StandInEntry<V>>();
  private readonly modelPids = new Map<number, number>();

  constructor(private readonly driver: string) {}

  /** The stand-in of model pid `pid` runs on `host`, paused. */
  add(pid: number, host: number, vm: V): StandInEntry<V> {
    const entry = { pid, vm, host, running: false };
    this.byPid.set(pid, entry);
    this.modelPids.set(vm.pid, pid);
    return entry;
  }

  /** @throws OPERATION_INVALID for a model pid real mode never launched. */
  need(pid: number, operation: string): StandInEntry<V> {
    const found = this.byPid.get(pid);
    if (!found) {
      throw lockError('OPERATION_INVALID', `real mode has no process for model pid ${pid}`,
        { operation, driver: this.driver });
    }
    return found;
  }

  cont(pid: number): void {
    this.need(pid, 'cont').running = true;
  }

  stop(pid: number): void {
    this.need(pid, 'stop').running = false;
  }

  /**
   * The stand-in writes one record to `path`.
   * @throws OPERATION_INVALID if it is paused: a paused QEMU has no vCPU to write with, so a
   * write to one is real mode's own bug.
   */
  async write(pid: number, path: string): Promise<void> {
    const entry = this.need(pid, 'write');
    if (!entry.running) {
      throw lockError('OPERATION_INVALID', `the stand-in of model pid ${pid} is paused: ` +
        'a paused QEMU writes nothing', { operation: 'write', driver: this.driver });
    }
    await entry.vm.write(path);
  }

  /** Ends the stand-in as `how` says; resolves with its entry once it has been reaped. */
  async end(pid: number, how: VmEnd): Promise<StandInEntry<V>> {
    const entry = this.need(pid, 'end');
    await entry.vm.kill(END_SIGNAL[how]);
    return entry;
  }

  /**
   * The stand-in closes its own lock connection while it lives (`close`, which may not answer
   * when the daemon kills it for that); `settle` then waits until its host's daemon has handled
   * the close. Says whether the stand-in died of it.
   */
  async dropConnection(pid: number, close: (vm: V) => Promise<unknown>,
    settle: (entry: StandInEntry<V>) => Promise<void>): Promise<{ readonly killed: boolean }> {
    const entry = this.need(pid, 'dropConnection');
    await Promise.race([close(entry.vm).catch(() => false), entry.vm.exited]);
    await settle(entry);
    return { killed: !entry.vm.alive };
  }

  /** The live stand-ins of `host`. */
  onHost(host: number): StandInEntry<V>[] {
    return this.live().filter((entry) => entry.host === host);
  }

  /** Every stand-in still alive. */
  live(): StandInEntry<V>[] {
    return [...this.byPid.values()].filter((entry) => entry.vm.alive);
  }

  alive(pid: number): boolean {
    return this.byPid.get(pid)?.vm.alive ?? false;
  }

  /** The model pid of real pid `realPid`; a process no model pid maps to is its negated pid. */
  modelPid(realPid: number): number {
    return this.modelPids.get(realPid) ?? -realPid;
  }

  /** SIGKILLs every stand-in still alive and waits until each is reaped. */
  async killAll(): Promise<void> {
    await Promise.all([...this.byPid.values()].map((entry) => entry.vm.kill('SIGKILL')));
  }
}
