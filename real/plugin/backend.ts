/**
 * Real mode for any `LockDriver` — a user's plugin (`docs/plugins.md`) — on the machinery the
 * kernel-lock drivers use (`supervised-backend.ts`): real disk images, and real supervised
 * processes as lock owners (a supervisor whose pid is the owner pid of every call, with its VM
 * stand-in that writes the disks). Each host is one instance from the module's
 * `createDriver()`, initialised with its `config`, the one that host's libvirtd loaded; every
 * call is libvirtd's (`kernel-call.ts`); a libvirtd restart unloads the instance and loads a
 * fresh one.
 *
 * The driver is compared step by step with the reference model the module names: every answer,
 * and at the end the records the stand-ins wrote. What this backend cannot do for a driver of
 * unknown make:
 *
 * - see its locks: they are wherever the driver keeps them, so `observe()` is null and the
 *   locks are judged through the answers of the calls that follow;
 * - strike a lock daemon or an owner's own connection: it may have neither, so `daemon-crash`,
 *   `daemon-reexec` and `connection-drop` are refused;
 * - make a guest's own lock call: the guest holds no handle into a driver that lives in
 *   libvirtd's process, so such a call has nothing to reach and is denied, as the model's
 *   restricted connection denies it.
 */
import type { FailureSemantics } from '../../contract/driver.ts';
import type { DriverImplementation, ModelOffer } from '../../drivers/registry/offer.ts';
import type { FaultName } from '../../sim/faults/index.ts';
import type { RealReply } from '../backend.ts';
import type { HostLocks } from '../kernel/hosts.ts';
import { pluginHost } from './host.ts';
import { SupervisedBackend, SUPERVISED_FAULTS } from '../supervised-backend.ts';

export class PluginBackend extends SupervisedBackend {
  readonly faults: ReadonlySet<FaultName> = new Set(SUPERVISED_FAULTS);
  readonly failure: FailureSemantics;
  readonly model: ModelOffer['model'];
  readonly config: ModelOffer['config'];
  override readonly reference: string;

  constructor(readonly name: string, private readonly driver: DriverImplementation,
    reference: ModelOffer & { readonly name: string }) {
    super('lockchart-real-plugin-');
    this.model = reference.model;
    this.config = reference.config;
    this.reference = reference.name;
    // Injected failures are drawn from what the driver declares, not from its reference.
    this.failure = driver.failure ?? reference.model.failure;
  }

  async observe(): Promise<null> {
    return null;
  }

  async rogueCall(pid: number, op: 'acquire' | 'release'): Promise<RealReply> {
    this.need().procs.need(pid, 'rogue call');
    return { ok: false, code: 'OPERATION_DENIED', message: `the guest's own ${op} has no ` +
      `connection to reach: driver '${this.name}' runs in libvirtd's process` };
  }

  async daemonCrash(): Promise<void> {
    throw this.meaningless('daemon-crash');
  }

  protected loadHost(): Promise<HostLocks> {
    return pluginHost(this.driver);
  }
}

export function pluginBackend(name: string, driver: DriverImplementation,
  reference: ModelOffer & { readonly name: string }): PluginBackend {
  return new PluginBackend(name, driver, reference);
}
