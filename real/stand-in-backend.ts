/**
 * What the real-mode backends whose QEMUs are processes of their own share — lockd's and
 * sanlock's owner processes (`lockd/`, `sanlock/`), libvirt's helper VMs (`libvirt/`): one
 * private directory with the disks, every spelling the simulator uses existing for real
 * (`lockd/world.ts`); one host object per simulated host, each with its private lock daemon and
 * its libvirtd; and the stand-ins, by model pid (`stand-ins.ts`). A subclass says how hosts start,
 * how a call is made, and what its daemons do to a stand-in that dies.
 */
import type { ObservedLock, RealDisk, RealWrite } from './backend.ts';
import { readImageHeader } from './kernel/image.ts';
import type { LockdWorld } from './lockd/world.ts';
import { StandIns, unknownHost, type StandIn } from './stand-ins.ts';
import type { DiskUse } from '../sim/world/types.ts';

/** What every host object of such a backend has. */
export interface StandInHost {
  /** The host's private lock daemon. */
  readonly daemon: unknown;
  /** libvirtd dies and restarts while its VMs run: its lock driver is loaded anew. */
  restartLibvirtd(): Promise<void>;
}

export abstract class StandInBackend<V extends StandIn, H extends StandInHost> {
  protected world: LockdWorld | null = null;
  protected hosts: H[] = [];
  protected readonly vms: StandIns<V>;

  constructor(readonly name: string) {
    this.vms = new StandIns(name);
  }

  abstract observe(): Promise<ObservedLock[] | null>;

  async cont(pid: number): Promise<void> {
    this.vms.cont(pid);
  }

  async stop(pid: number): Promise<void> {
    this.vms.stop(pid);
  }

  async write(pid: number, disk: number): Promise<void> {
    await this.vms.write(pid, this.world!.image(disk));
  }

  async libvirtdRestart(host: number): Promise<void> {
    await this.host(host).restartLibvirtd();
  }

  /**
   * libvirtd reads an image's header (open, read, close, no lock call): the daemons hold their
   * locks in their own processes, or leases in lease files, so nothing may change.
   */
  async probeImage(_host: number, disk: number): Promise<void> {
    readImageHeader(this.world!.image(disk));
  }

  /** The private lock daemon of `host` (tests and tools that look at it themselves). */
  daemonOf(host: number): H['daemon'] {
    return this.host(host).daemon;
  }

  alive(pid: number): boolean {
    return this.vms.alive(pid);
  }

  async records(): Promise<RealWrite[]> {
    return this.world!.records((realPid) => this.vms.modelPid(realPid));
  }

  protected host(host: number): H {
    const found = this.hosts[host];
    if (!found) throw unknownHost(this.name, host);
    return found;
  }

  protected real(disks: readonly DiskUse[]): RealDisk[] {
    return disks.map((use) => [this.world!.realPath(use.path), use.mode] as const);
  }
}
