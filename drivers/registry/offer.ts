/**
 * What a driver offers, whatever named it: a built-in name (`model`, `ofd`, `lockd` …) or the
 * path of a module the user wrote. One `--driver` means one offer, and each command takes the
 * part it needs:
 *
 * - a **service model** (`LockServiceModel`): the simulator, the explorer and the matrix's
 *   simulated cells step it; the conformance suite runs it in memory;
 * - a **`LockDriver`** (libvirt's table): the conformance suite calls it with real owner
 *   processes, and real mode (`sim --real`, the matrix's real cells) drives it step by step;
 * - a **reference model**: the service model real mode compares the `LockDriver` with.
 */
import type { DriverConfig, FailureSemantics, LockDriver } from '../../contract/driver.ts';
import type { LockServiceModel } from '../../contract/service.ts';

/** A service model with the configuration its `initial` gets. */
export interface ModelOffer {
  readonly model: LockServiceModel<unknown>;
  readonly config: DriverConfig;
  /** Invariants the matrix does not judge on this row, and why (shown in every cell). */
  readonly unjudged?: Unjudged;
}

/**
 * A known hole that would end every run of a matrix row and hide the row's other verdicts: its
 * scenarios show it; the row judges everything else.
 */
export interface Unjudged {
  readonly invariants: readonly string[];
  readonly why: string;
}

/**
 * How real mode and the conformance suite run a `LockDriver`: the built-in families have
 * backends of their own (`real/kernel/backend.ts`, `real/lockd/backend.ts`,
 * `real/sanlock/backend.ts`, `real/libvirt/`); any other driver
 * runs on the generic machinery (real supervised owner processes, real disk images).
 */
export type DriverFamily = 'ofd' | 'posix' | 'posix-naive' | 'lockd' | 'sanlock' |
  'libvirt-lockd' | 'libvirt-sanlock' | 'generic';

export interface DriverImplementation {
  /** A fresh, uninitialised instance: real mode loads one per host, as each libvirtd does. */
  create(): Promise<LockDriver>;
  /** What `init` gets (libvirt's `<hypervisor>-<driver>.conf`). */
  readonly config: DriverConfig;
  readonly family: DriverFamily;
  /** What the driver declares its failures may leave behind (known once one was created). */
  readonly failure?: FailureSemantics;
}

/** Where an offer came from. A module is loaded only because the user named it. */
export type DriverOrigin =
  | { readonly kind: 'builtin' }
  | { readonly kind: 'module'; /** As the user gave it on the command line. */ readonly path: string };

export interface DriverOffer {
  readonly name: string;
  readonly summary: string;
  readonly origin: DriverOrigin;
  /** The service model the simulator steps, when the driver has one. */
  readonly model?: ModelOffer;
  /** The `LockDriver` the conformance suite and real mode drive, when there is one. */
  readonly driver?: DriverImplementation;
  /** What real mode compares `driver` with: its name (a trace records it) and model. */
  readonly reference?: ModelOffer & { readonly name: string };
  /** A deliberately broken driver (the matrix runs them only with `--canaries`). */
  readonly canary?: true;
}

/** The `--driver` a command line needs to reload this offer (empty for a built-in). */
export function driverFlag(offer: Pick<DriverOffer, 'origin'>, flag = '--driver'): string {
  return offer.origin.kind === 'module' ? ` ${flag} ${shellWord(offer.origin.path)}` : '';
}

/** A word a POSIX shell reads back unchanged: quoted only when it has to be. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A file-name-safe form of a driver's name (a name may come from a user's module). */
export function fileSafe(name: string): string {
  const safe = name.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '_');
  return safe === '' ? 'driver' : safe.slice(0, 80);
}
