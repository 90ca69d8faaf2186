/**
 * Validation of steps read from a trace or written in a scenario: every field checked, every
 * problem one message naming what is wrong. Used by the trace reader and the scenario parser.
 */
import { FAULT_NAMES, isFaultName } from '../faults/catalog.ts';
import {
  affectedForm,
  affectedMask,
  type AffectedResources,
  type CallName,
  type MigrationPhase,
  type Outcome,
  type OutcomeFault,
  type Step,
} from '../steps.ts';

export class StepError extends Error {
  override readonly name = 'StepError';
}

const CALL_NAMES: readonly CallName[] = ['start', 'pause', 'resume', 'destroy'];
const PHASES: readonly MigrationPhase[] = ['begin', 'prepare', 'perform', 'finish', 'confirm', 'cancel'];
const OUTCOME_FAULTS: readonly OutcomeFault[] = ['acquire-fails', 'release-fails', 'partial-acquire'];

type Obj = Record<string, unknown>;

function nat(o: Obj, key: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new StepError(`'${key}' must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function oneOf<T extends string>(o: Obj, key: string, values: readonly T[]): T {
  const value = o[key];
  if (typeof value !== 'string' || !values.includes(value as T)) {
    throw new StepError(`'${key}' must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function str(o: Obj, key: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new StepError(`'${key}' must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function bools(o: Obj, key: string): boolean[] {
  const value = o[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'boolean')) {
    throw new StepError(`'${key}' must be an array of booleans`);
  }
  return value;
}

function outcome(value: unknown): Outcome {
  if (typeof value !== 'object' || value === null) throw new StepError("'outcome' must be an object");
  const o = value as Obj;
  if (o['type'] === 'ok') return { type: 'ok' };
  if (o['type'] !== 'fail') throw new StepError(`'outcome.type' must be ok or fail`);
  return { type: 'fail', fault: oneOf(o, 'fault', OUTCOME_FAULTS), effect: affected(o['effect']) };
}

/** A count of leading resources, or the ascending indices of any other subset, as written. */
function affected(value: unknown): AffectedResources {
  if (Number.isInteger(value) && (value as number) >= 0) return value as number;
  const form = Array.isArray(value) && value.every((i) => Number.isInteger(i) && i >= 0 && i < 31)
    ? affectedForm(affectedMask(value as number[])) : null;
  if (form === null || typeof form === 'number' ||
    JSON.stringify(form) !== JSON.stringify(value)) {
    throw new StepError("'outcome.effect' must be a count of leading resources, or the " +
      'ascending indices of a subset that is not a prefix');
  }
  return form;
}

/** Checks a parsed value is a well-formed step and returns it typed. */
export function validateStep(value: unknown): Step {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StepError('a step must be a JSON object');
  }
  const o = value as Obj;
  const at = () => ({ vm: nat(o, 'vm'), host: nat(o, 'host') });
  switch (o['kind']) {
    case 'call':
      return { kind: 'call', ...at(), call: oneOf(o, 'call', CALL_NAMES) };
    case 'attach':
      return { kind: 'attach', ...at(), spare: nat(o, 'spare') };
    case 'detach':
      return { kind: 'detach', ...at(), disk: nat(o, 'disk') };
    case 'migrate': {
      const phase = oneOf(o, 'phase', PHASES);
      return o['to'] === undefined ? { kind: 'migrate', vm: nat(o, 'vm'), phase }
        : { kind: 'migrate', vm: nat(o, 'vm'), phase, to: nat(o, 'to') };
    }
    case 'complete':
      return { kind: 'complete', ...at(), invoke: str(o, 'invoke'), outcome: outcome(o['outcome']) };
    case 'timer':
      return { kind: 'timer', ...at(), id: str(o, 'id') };
    case 'exit':
    case 'guest-pause':
      return { kind: o['kind'], ...at() };
    case 'write':
      return { kind: 'write', ...at(), disk: nat(o, 'disk') };
    case 'rogue-call':
      return { kind: 'rogue-call', ...at(), op: oneOf(o, 'op', ['acquire', 'release'] as const),
        disk: nat(o, 'disk') };
    case 'fault':
      return faultStep(o);
    default:
      throw new StepError(`unknown step kind ${JSON.stringify(o['kind'])}`);
  }
}

function faultStep(o: Obj): Step {
  const fault = o['fault'];
  if (typeof fault !== 'string' || !isFaultName(fault)) {
    throw new StepError(`unknown fault ${JSON.stringify(fault)} (known: ${FAULT_NAMES.join(', ')})`);
  }
  switch (fault) {
    case 'process-crash':
    case 'process-kill':
    case 'external-resume':
    case 'connection-drop':
      return { kind: 'fault', fault, vm: nat(o, 'vm'), host: nat(o, 'host') };
    case 'daemon-crash':
    case 'host-crash':
      return { kind: 'fault', fault, host: nat(o, 'host') };
    case 'daemon-reexec':
      return { kind: 'fault', fault, host: nat(o, 'host'), lost: bools(o, 'lost') };
    case 'libvirtd-restart':
      return { kind: 'fault', fault, host: nat(o, 'host'), applied: bools(o, 'applied') };
    case 'path-alias':
      return { kind: 'fault', fault, vm: nat(o, 'vm'), disk: nat(o, 'disk'), spelling: nat(o, 'spelling') };
    case 'image-probe':
      return { kind: 'fault', fault, host: nat(o, 'host'), disk: nat(o, 'disk') };
    case 'acquire-fails':
    case 'release-fails':
    case 'partial-acquire':
      throw new StepError(`'${fault}' is an outcome of a complete step, not a fault step`);
  }
}

/** What a step may index: the world's shape and each VM's spares. */
export interface StepBounds {
  readonly hosts: number;
  readonly vms: number;
  readonly disks: number;
  /** Spare disks per VM, by VM index. */
  readonly spares: readonly number[];
}

/**
 * Checks that every index a well-formed step names exists in the world (a crafted or foreign
 * trace may name VM 9 of 3); the step is otherwise judged by the world when applied.
 */
export function checkStepBounds(step: Step, bounds: StepBounds): void {
  const within = (key: string, value: number | undefined, count: number, what: string) => {
    if (value !== undefined && value >= count) {
      throw new StepError(`'${key}' ${value} is out of range: the world has ${count} ${what}` +
        ` (0…${count - 1})`);
    }
  };
  const o = step as { vm?: number; host?: number; to?: number; disk?: number; spare?: number };
  within('vm', o.vm, bounds.vms, 'VMs');
  within('host', o.host, bounds.hosts, 'hosts');
  within('to', o.to, bounds.hosts, 'hosts');
  within('disk', o.disk, bounds.disks, 'disks');
  if (step.kind === 'attach') {
    within('spare', step.spare, bounds.spares[step.vm] ?? 0, `spares for VM ${step.vm}`);
  }
}
