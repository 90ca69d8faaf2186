/**
 * A step is one atomic transition of the world, and exactly what a trace records. Steps name
 * their targets semantically (VM and host, invoke id, disk) rather than by pid or sequence
 * number, so a trace stays readable and a shrunk trace still means something.
 */
import { allOf, indicesOf, isPrefix, popcount } from '../contract/outcomes.ts';
import type { FaultName, FaultStep } from './faults/index.ts';

export type { FaultStep } from './faults/index.ts';

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
  /** Time passes: to the lock service's next instant, or by `ms` (a timed service only). */
  | { readonly kind: 'time'; readonly ms?: number }
  | FaultStep;

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

/** How the resources a failure affected read in a step's description. */
export function describeAffected(effect: AffectedResources): string {
  return typeof effect === 'number' ? String(effect) : `#${effect.join(',#') || ' none'}`;
}
