/**
 * Reading a step's fields from a trace line or a scenario statement: every field checked, every
 * problem one message naming what is wrong (`StepError`; the trace reader and the scenario
 * parser add the file and line).
 */
import type { Fields } from './module.ts';

export class StepError extends Error {
  override readonly name = 'StepError';
}

export function nat(o: Fields, key: string): number {
  const value = o[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new StepError(`'${key}' must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function oneOf<T extends string>(o: Fields, key: string, values: readonly T[]): T {
  const value = o[key];
  if (typeof value !== 'string' || !values.includes(value as T)) {
    throw new StepError(`'${key}' must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function str(o: Fields, key: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new StepError(`'${key}' must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function bools(o: Fields, key: string): boolean[] {
  const value = o[key];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'boolean')) {
    throw new StepError(`'${key}' must be an array of booleans`);
  }
  return value;
}

/** `vm` and `host`. */
export function at(o: Fields): { vm: number; host: number } {
  return { vm: nat(o, 'vm'), host: nat(o, 'host') };
}
