/** `--inspect FILE|ws://HOST:PORT` for the commands that run a Session (sim, replay). */
import type { SessionObserver } from '../sim/run/session.ts';
import { openInspection } from '../viz/inspect/open.ts';
import type { InspectionSink } from '../viz/inspect/sink.ts';
import { simInspector } from '../viz/inspect/sim-inspector.ts';
import { CliError } from './command.ts';

export const INSPECT_USAGE = [
  '  --inspect    write XState inspection events (@xstate.actor, .event, .snapshot) of every',
  '               domain and QEMU statechart: to FILE as JSON lines, or to a Stately inspector',
  '               at ws://HOST:PORT (see docs/visualising.md)',
];

export interface Inspection {
  readonly observer: SessionObserver;
  readonly sink: InspectionSink;
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
