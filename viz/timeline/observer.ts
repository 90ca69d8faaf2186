/**
 * Feeds the terminal timeline from a replay: a session observer that turns each observed step
 * into its strip line (see `strip.ts`) and hands it to `emit` at once, so a long trace streams.
 */
import { diskGrants } from '../../sim/checkers/grants.ts';
import type { ObservedStep, SessionObserver } from '../../sim/run/session.ts';
import { describeStep } from '../../sim/steps/index.ts';
import { faultOf } from '../../sim/steps.ts';
import type { TraceHeader } from '../../sim/trace/format.ts';
import type { SimContext } from '../../sim/world/context.ts';
import type { World } from '../../sim/world/types.ts';
import { diskCode, domainLetter, stripHeader, stripLine, wrapIndented, type StripLayout }
  from './strip.ts';

/** Prints the header at the start and one line per step; a violation gets its message below. */
export function stripObserver(
  ctx: SimContext,
  header: TraceHeader,
  emit: (line: string) => void,
  options: { width?: number; healStart?: number } = {},
): SessionObserver {
  const names = header.definitions.map((definition) => definition.name);
  const layout: StripLayout = { ...header.shape,
    ...(options.width ? { width: options.width } : {}) };
  let reported = false;
  return {
    start() {
      for (const line of stripHeader(layout)) emit(line);
    },
    step(observed: ObservedStep) {
      const { index, step, after } = observed;
      const violated = observed.violation !== null && !reported;
      const mark = violated ? '!' : faultOf(step) ? '*' : index === options.healStart ? 'H'
        : step.kind === 'write' ? 'w' : ' ';
      emit(stripLine(layout, {
        index, time: after.time, description: describeStep(step, names), notes: observed.notes,
        mark, letters: letters(after), disks: disks(ctx, after),
      }));
      if (violated) {
        reported = true;
        const v = observed.violation!;
        for (const line of wrapIndented(`^ VIOLATED ${v.invariant} ${v.checker}: ${v.message}`,
          10, layout.width)) emit(line);
      }
    },
  };
}

function letters(world: World): string[] {
  const hosts = world.hosts.length;
  return world.hosts.map((_, host) => world.vms.map((_, vm) =>
    domainLetter(world.domains[vm * hosts + host]!.leaves)).join(''));
}

function disks(ctx: SimContext, world: World): string[] {
  const holders = world.disks.map(() => [] as { mode: 'exclusive' | 'shared'; host: number }[]);
  for (const grant of diskGrants(ctx, world.service)) {
    if (grant.disk !== undefined) holders[grant.disk]!.push(grant);
  }
  return holders.map(diskCode);
}
