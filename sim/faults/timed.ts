/**
 * What the fault classes of a lock service on the virtual clock share (`storage-eio`,
 * `storage-stall`, `process-pause`, `clock-jump`, `watchdog-off`): they strike one host of a
 * timed service, last a while, and are placed in time by the service itself
 * (`world/service-clock.ts`).
 */
import type { Step } from '../steps.ts';
import { describeDuration, parseDuration } from '../steps/time.ts';
import { nat, StepError } from '../steps/read.ts';
import type { Fields } from '../steps/module.ts';
import type { SimContext } from '../world/context.ts';
import type { World } from '../world/types.ts';

/** Appends `make(host)` for every host, when the service lives on the clock. */
export function onEveryHost(ctx: SimContext, world: World, out: Step[], make: (host: number) => Step):
  void {
  if (!ctx.model.timed) return;
  for (let host = 0; host < world.hosts.length; host++) out.push(make(host));
}

/** A duration field: milliseconds, or null (`forever`) when `optional` allows it. */
export function durationField(fields: Fields, key: string, optional: boolean): number | null {
  if (optional && (fields[key] === null || fields[key] === undefined)) return null;
  return nat(fields, key);
}

/** A duration word of a scenario statement: `30s`, `1500ms`, `2m`, or `forever`. */
export function durationWord(word: string | undefined, optional: boolean): number | null {
  if (word === undefined || word === 'forever') {
    if (optional) return null;
    throw new StepError(`a duration is needed (30s, 1500ms, 2m)`);
  }
  const ms = parseDuration(word);
  if (ms === null) throw new StepError(`'${word}' is not a duration (30s, 1500ms, 2m${optional ? ', forever' : ''})`);
  return ms;
}

export function forHowLong(ms: number | null): string {
  return ms === null ? 'for good' : `for ${describeDuration(ms)}`;
}
