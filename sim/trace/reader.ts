/**
 * Reads and validates a trace file. Every problem is one `TraceError` naming the file, the line
 * and what is wrong. A last line cut off mid-write (a crashed run) is tolerated and reported as
 * a truncated prefix; anything else malformed is an error.
 */
import { readFileSync } from 'node:fs';
import { INVARIANT_IDS } from '../checkers/index.ts';
import { isFaultName } from '../faults/index.ts';
import type { LockMode } from '../../contract/flags.ts';
import { DESIGNS, isDesign } from '../world/design.ts';
import { createStorage } from '../world/storage.ts';
import type { DiskUse, VmDefinition } from '../world/types.ts';
import type { Trace, TraceEnd, TraceHeader, TraceStep } from './format.ts';
import { TRACE_FORMAT } from './format.ts';
import { readStep as validateStep } from '../steps/index.ts';
import { StepError } from '../steps/read.ts';
import { checkStepBounds, type StepBounds } from './step-bounds.ts';
import { configProblem } from '../../drivers/registry/config-check.ts';

export class TraceError extends Error {
  override readonly name = 'TraceError';
}

export interface ReadTrace extends Trace {
  /** The last line was cut off (the run crashed while writing it). */
  readonly truncated: boolean;
}

export const SHAPE_LIMITS = { hosts: 8, vms: 16, disks: 16 } as const;
const MODES: readonly LockMode[] = ['exclusive', 'shared', 'readonly'];

export function readTraceFile(path: string): ReadTrace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new TraceError(`${path}: cannot read trace (${code})`);
  }
  return parseTrace(text, path);
}

export function parseTrace(text: string, name = 'trace'): ReadTrace {
  if (text.startsWith('\uFEFF')) {
    throw new TraceError(`${name}:1: the file starts with a UTF-8 byte-order mark; a trace is ` +
      'plain UTF-8 JSON lines (was it saved by an editor that adds one?)');
  }
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n');
  if (endsClean) lines.pop();
  if (lines.length === 0 || (lines.length === 1 && lines[0] === '')) {
    throw new TraceError(`${name}: empty file, not a lockchart trace`);
  }
  let header: TraceHeader | null = null;
  const steps: TraceStep[] = [];
  let end: TraceEnd | null = null;
  let truncated = false;
  let bounds: StepBounds | null = null;
  for (let index = 0; index < lines.length; index++) {
    const where = `${name}:${index + 1}`;
    if (lines[index]!.trim() === '') {
      throw new TraceError(`${where}: blank line: a trace has one JSON record on every line`);
    }
    let record: unknown;
    try {
      record = JSON.parse(lines[index]!);
    } catch {
      if (index === lines.length - 1 && !endsClean && header) {
        truncated = true;
        break;
      }
      throw new TraceError(`${where}: not valid JSON`);
    }
    const type = (record as { type?: unknown } | null)?.type;
    if (index === 0) {
      if (type !== 'header') {
        throw new TraceError(`${where}: not a lockchart trace (the first line must be a header record)`);
      }
      header = validateHeader(record as Record<string, unknown>, where);
      bounds = { ...header.shape, spares: header.definitions.map((vm) => vm.spares.length) };
      continue;
    }
    if (end) throw new TraceError(`${where}: record after the end record`);
    if (type === 'step') {
      steps.push(validateStepRecord(record as Record<string, unknown>, steps.length, where, bounds!));
    }
    else if (type === 'end') end = record as TraceEnd;
    else throw new TraceError(`${where}: unknown record type ${JSON.stringify(type)}`);
  }
  return { header: header!, steps, end, truncated };
}

function validateStepRecord(o: Record<string, unknown>, expected: number, where: string,
  bounds: StepBounds): TraceStep {
  if (o['i'] !== expected) {
    throw new TraceError(`${where}: step index ${JSON.stringify(o['i'])}, expected ${expected}`);
  }
  if (typeof o['h'] !== 'string' || !/^[0-9a-f]{8}$/.test(o['h'])) {
    throw new TraceError(`${where}: step digest 'h' must be 8 hex digits`);
  }
  try {
    const step = validateStep(o['step']);
    checkStepBounds(step, bounds);
    return { type: 'step', i: expected, step, h: o['h'], ...(o['heal'] === true ? { heal: true } : {}) };
  } catch (error) {
    if (error instanceof StepError) throw new TraceError(`${where}: bad step: ${error.message}`);
    throw error;
  }
}

function validateHeader(o: Record<string, unknown>, where: string): TraceHeader {
  const fail = (what: string): never => {
    throw new TraceError(`${where}: bad header: ${what}`);
  };
  if (o['format'] !== TRACE_FORMAT) {
    fail(`trace format ${JSON.stringify(o['format'])} is not supported (this lockchart reads ` +
      `format ${TRACE_FORMAT})`);
  }
  if (typeof o['model'] !== 'string') fail("'model' must be a string");
  if (typeof o['driver'] !== 'string' || o['driver'] === '') fail("'driver' must be a string");
  const config = o['config'];
  if (typeof config !== 'object' || config === null || Array.isArray(config)) fail("'config' must be an object");
  const configIssue = configProblem(config as Record<string, unknown>);
  if (configIssue) fail(`'config': ${configIssue}`);
  const seed = o['seed'];
  if (seed !== null && (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0)) {
    fail("'seed' must be a non-negative integer or null");
  }
  const faults = o['faults'];
  if (!Array.isArray(faults) || !faults.every((f) => typeof f === 'string' && isFaultName(f))) {
    fail("'faults' must be a list of fault names");
  }
  const shape = validateShape(o['shape'], fail);
  const definitions = validateDefinitions(o['definitions'], shape.vms, shape.disks, fail);
  const invariants = o['invariants'];
  if (invariants !== undefined && (!Array.isArray(invariants) ||
    !invariants.every((id) => typeof id === 'string' && (INVARIANT_IDS as readonly string[]).includes(id)))) {
    fail(`'invariants' must be a list of invariant ids (${INVARIANT_IDS.join(', ')})`);
  }
  if (o['design'] !== undefined && (!isDesign(o['design']) || o['design'] === 'libvirt')) {
    fail(`'design' must be one of ${DESIGNS.filter((d) => d !== 'libvirt').join(', ')} (absent: libvirt)`);
  }
  const origin = o['origin'];
  if (!['random', 'shrink', 'scenario', 'explore', 'real'].includes(origin as string)) {
    fail("'origin' must be random, shrink, scenario, explore or real");
  }
  return { ...(o as unknown as TraceHeader), shape, definitions };
}

export function validateShape(value: unknown, fail: (what: string) => never) {
  if (typeof value !== 'object' || value === null) return fail("'shape' must be an object");
  const shape = value as Record<string, unknown>;
  for (const key of ['hosts', 'vms', 'disks'] as const) {
    const n = shape[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > SHAPE_LIMITS[key]) {
      fail(`'shape.${key}' must be an integer from 1 to ${SHAPE_LIMITS[key]}`);
    }
  }
  return { hosts: shape['hosts'] as number, vms: shape['vms'] as number, disks: shape['disks'] as number };
}

function validateDefinitions(
  value: unknown,
  vms: number,
  disks: number,
  fail: (what: string) => never,
): VmDefinition[] {
  if (!Array.isArray(value) || value.length !== vms) fail(`'definitions' must list ${vms} VMs`);
  const storage = createStorage(disks);
  const uses = (list: unknown, what: string): DiskUse[] => {
    if (!Array.isArray(list)) return fail(`${what} must be a list`);
    return list.map((use: Record<string, unknown>) => {
      const disk = use?.['disk'];
      if (typeof disk !== 'number' || !Number.isInteger(disk) || disk < 0 || disk >= disks) {
        fail(`${what}: disk index out of range`);
      }
      if (!MODES.includes(use['mode'] as LockMode)) fail(`${what}: bad mode`);
      if (typeof use['path'] !== 'string' || storage.resolve(use['path']) !== disk) {
        fail(`${what}: path ${JSON.stringify(use['path'])} does not reach disk ${String(disk)}`);
      }
      return { disk: disk as number, mode: use['mode'] as LockMode, path: use['path'] as string };
    });
  };
  return (value as Record<string, unknown>[]).map((definition, vm) => ({
    name: typeof definition?.['name'] === 'string' ? definition['name'] : fail(`VM ${vm}: missing name`),
    disks: uses(definition['disks'], `VM ${vm} disks`),
    spares: uses(definition['spares'], `VM ${vm} spares`),
  }));
}
