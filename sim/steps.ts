/**
 * A step is one atomic transition of the world, and exactly what a trace records. Steps name
 * their targets semantically (VM and host, invoke id, disk) rather than by pid or sequence
 * number, so a trace stays readable and a shrunk trace still means something.
 */
import { allOf, indicesOf, isPrefix, popcount } from '../drivers/outcomes.ts';
import { FAULT_NAMES, type FaultName } from './faults/catalog.ts';

/** A management call libvirtd receives for one domain. */
export type CallName = 'start' | 'pause' | 'resume' | 'destroy';

export type MigrationPhase = 'begin' | 'prepare' | 'perform' | 'finish' | 'confirm' | 'cancel';

/** How a completing lock call ends. */
export type Outcome =
  /** As the lock service answers (which may itself be an error, e.g. busy). */
  | { readonly type: 'ok' }
  /**
   * An injected failure (`acquire-fails`, `release-fails`, `partial-acquire`) after which the
   * resources `effect` names took effect: one of the outcomes the driver's contract admits.
   */
  | { readonly type: 'fail'; readonly fault: OutcomeFault; readonly effect: AffectedResources };

/**
 * Which of a call's resources a failure affected: a count k for the first k (the form every
 * prefix is written in, so `prefix` traces stay as they always were), or the indices of any
 * other subset, ascending.
 */
export type AffectedResources = number | readonly number[];

/** The affected resources as a bitmask over the call's resources. */
export function affectedMask(effect: AffectedResources): number {
  return typeof effect === 'number' ? allOf(effect) : effect.reduce((mask, i) => mask | (1 << i), 0);
}

/** The one written form of a bitmask: a count for a prefix, indices otherwise. */
export function affectedForm(mask: number): AffectedResources {
  return isPrefix(mask) ? popcount(mask) : indicesOf(mask);
}

export type OutcomeFault = 'acquire-fails' | 'release-fails' | 'partial-acquire';

export type Step =
  | { readonly kind: 'call'; readonly vm: number; readonly host: number; readonly call: CallName }
  | { readonly kind: 'attach'; readonly vm: number; readonly host: number; readonly spare: number }
  | { readonly kind: 'detach'; readonly vm: number; readonly host: number; readonly disk: number }
  | { readonly kind: 'migrate'; readonly vm: number; readonly phase: MigrationPhase;
      readonly to?: number }
  | { readonly kind: 'complete'; readonly vm: number; readonly host: number;
      readonly invoke: string; readonly outcome: Outcome }
  | { readonly kind: 'timer'; readonly vm: number; readonly host: number; readonly id: string }
  | { readonly kind: 'exit'; readonly vm: number; readonly host: number }
  | { readonly kind: 'write'; readonly vm: number; readonly host: number; readonly disk: number }
  | { readonly kind: 'guest-pause'; readonly vm: number; readonly host: number }
  | { readonly kind: 'rogue-call'; readonly vm: number; readonly host: number;
      readonly op: 'acquire' | 'release'; readonly disk: number }
  | FaultStep;

export type FaultStep =
  | { readonly kind: 'fault'; readonly fault: 'process-crash' | 'process-kill' | 'external-resume'
      | 'connection-drop'; readonly vm: number; readonly host: number }
  | { readonly kind: 'fault'; readonly fault: 'daemon-crash' | 'host-crash'; readonly host: number }
  | { readonly kind: 'fault'; readonly fault: 'libvirtd-restart'; readonly host: number;
      /** For each libvirtd call in flight (oldest first): did it reach the daemon? */
      readonly applied: readonly boolean[] }
  | { readonly kind: 'fault'; readonly fault: 'daemon-reexec'; readonly host: number;
      /** For each call in flight on that daemon (oldest first): was its reply lost? */
      readonly lost: readonly boolean[] }
  | { readonly kind: 'fault'; readonly fault: 'path-alias'; readonly vm: number;
      readonly disk: number; readonly spelling: number }
  /** libvirtd on `host` opens and closes `disk` (reads its header): no lock call at all. */
  | { readonly kind: 'fault'; readonly fault: 'image-probe'; readonly host: number;
      readonly disk: number };

/** Whether a step injects a fault (counts against a fault budget). */
export function isFault(step: Step): boolean {
  return step.kind === 'fault' || (step.kind === 'complete' && step.outcome.type === 'fail');
}

/** The fault class a step belongs to, if any. */
export function faultOf(step: Step): FaultName | null {
  if (step.kind === 'fault') return step.fault;
  if (step.kind === 'complete' && step.outcome.type === 'fail') return step.outcome.fault;
  return null;
}

/** One short line for timelines and logs; `names` gives VMs their names (default vmN). */
export function describeStep(step: Step, names: readonly string[] = []): string {
  const vm = (index: number) => names[index] ?? `vm${index}`;
  const at = (target: { vm: number; host: number }) => `${vm(target.vm)}@h${target.host}`;
  switch (step.kind) {
    case 'call':
      return `${step.call} ${at(step)}`;
    case 'attach':
      return `attach spare ${step.spare} to ${at(step)}`;
    case 'detach':
      return `detach disk${step.disk} from ${at(step)}`;
    case 'migrate':
      return `migrate ${vm(step.vm)} ${step.phase}${step.to === undefined ? '' : ` to h${step.to}`}`;
    case 'complete': {
      const outcome = step.outcome.type === 'ok' ? ''
        : ` [${step.outcome.fault}, ${describeAffected(step.outcome.effect)} took effect]`;
      return `${step.invoke} of ${at(step)} completes${outcome}`;
    }
    case 'timer':
      return `timer ${step.id.replace(/^xstate\.after\./, '').split('.')[0]} fires for ${at(step)}`;
    case 'exit':
      return `qemu of ${at(step)} exits`;
    case 'write':
      return `qemu of ${at(step)} writes disk${step.disk}`;
    case 'guest-pause':
      return `qemu of ${at(step)} stops itself (I/O error)`;
    case 'rogue-call':
      return `qemu of ${at(step)} sends ${step.op} disk${step.disk} on its own connection`;
    case 'fault':
      return describeFault(step, vm, at);
  }
}

function describeAffected(effect: AffectedResources): string {
  return typeof effect === 'number' ? String(effect) : `#${effect.join(',#') || ' none'}`;
}

function describeFault(
  step: FaultStep,
  vm: (index: number) => string,
  at: (target: { vm: number; host: number }) => string,
): string {
  switch (step.fault) {
    case 'process-crash':
    case 'process-kill':
    case 'external-resume':
    case 'connection-drop':
      return `FAULT ${step.fault} ${at(step)}`;
    case 'daemon-crash':
    case 'host-crash':
      return `FAULT ${step.fault} h${step.host}`;
    case 'libvirtd-restart':
      return `FAULT libvirtd-restart h${step.host} (in-flight calls applied: ` +
        `${step.applied.map((a) => (a ? 'yes' : 'no')).join(',') || 'none'})`;
    case 'daemon-reexec':
      return `FAULT daemon-reexec h${step.host} (replies lost: ` +
        `${step.lost.map((a) => (a ? 'yes' : 'no')).join(',') || 'none'})`;
    case 'path-alias':
      return `FAULT path-alias ${vm(step.vm)} disk${step.disk} spelled #${step.spelling}`;
    case 'image-probe':
      return `FAULT image-probe h${step.host} disk${step.disk} (libvirtd opens and closes it)`;
  }
}

export { FAULT_NAMES };
