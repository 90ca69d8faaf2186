/** `--inspect FILE|ws://HOST:PORT` for the commands that run a Session (sim, replay). */
import type { SessionObserver } from '../sim/run/session.ts';
import { openInspection } from '../viz/inspect/open.ts';
import type { InspectionSink } from '../viz/inspect/sink.ts';
import { simInspector } from '../viz/inspect/sim-inspector.ts';
import { CliError } from './command.ts';
import { checkOutputFile } from './output-path.ts';

/** The option's help lines, its text starting at `column` like the command's other options. */
export function inspectUsage(column: number): string[] {
  const pad = ' '.repeat(column);
  return [
    `  ${'--inspect'.padEnd(column - 2)}write XState inspection events (@xstate.actor, .event,`,
    `${pad}.snapshot) of every domain and QEMU statechart: to FILE as JSON lines, or to a`,
    `${pad}Stately inspector at ws://HOST:PORT (see docs/visualising.md)`,
  ];
}

/** An opened `--inspect` target: the observer to hand a session, and its sink to close. */
export interface Inspection {
  readonly observer: SessionObserver;
  readonly sink: InspectionSink;
}

/** Checks an `--inspect FILE` target up front (a ws:// address is checked when it connects). */
export function checkInspectTarget(target: string | undefined, inputs: readonly string[] = []): void {
  if (target === undefined || target === '' || /^wss?:\/\//.test(target)) return;
  checkOutputFile(target, '--inspect', { inputs });
}

/** Opens the target an `--inspect` option names; undefined when the option is absent. */
export async function inspectOption(target: string | undefined): Promise<Inspection | undefined> {
  if (target === undefined) return undefined;
  if (target === '') throw new CliError('--inspect needs a file or a ws://HOST:PORT address');
  let sink: InspectionSink;
  try {
    sink = await openInspection(target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = code ? `${target}: cannot write inspection events (${code})`
      : error instanceof Error ? error.message : String(error);
    throw new CliError(`--inspect: ${message}`);
  }
  return { observer: simInspector(sink), sink };
}

/** One observer that calls each of `observers` in turn (a timeline and an inspector, say). */
export function combineObservers(...observers: (SessionObserver | undefined)[]): SessionObserver {
  const present = observers.filter((o): o is SessionObserver => o !== undefined);
  return {
    start: (world, header) => present.forEach((o) => o.start?.(world, header)),
    step: (observed) => present.forEach((o) => o.step?.(observed)),
    end: (end) => present.forEach((o) => o.end?.(end)),
  };
}
