/**
 * Builds a report's data from a trace: replays it strictly (every step must be enabled and
 * reproduce its recorded digest) with a recorder watching, so what the page shows is the world
 * the simulator really had after each step. A trace cut short by a crash is the prefix it is.
 */
import { contextFor, ReplayError, replayStrict } from '../../sim/run/replay.ts';
import type { SimDriver } from '../../sim/resolve-driver.ts';
import type { Violation } from '../../sim/checkers/checker.ts';
import type { ReadTrace } from '../../sim/trace/reader.ts';
import type { ReportData, ReportVerdict } from './model.ts';
import { TimelineRecorder } from './recorder.ts';

/**
 * Replays `trace` and returns what its report embeds.
 * @throws ReplayError when the trace does not reproduce, or its verdict differs from the replay.
 */
export function collectReport(trace: ReadTrace, driver: SimDriver, title: string): ReportData {
  const recorder = new TimelineRecorder(contextFor(trace.header, driver), trace.header);
  const result = replayStrict(trace, driver, { observer: recorder });
  const verdict = verdictOf(trace.end !== null, result.violation, result.liveness);
  const recorded = trace.end?.verdict === 'violated' ? trace.end.violation?.invariant
    : trace.end?.liveness?.invariant ?? 'safe';
  const replayed = (result.violation ?? result.liveness)?.invariant ?? 'safe';
  if (trace.end && recorded !== replayed) {
    throw new ReplayError(`the trace recorded '${recorded}' but the replay found '${replayed}'`);
  }
  const { header } = trace;
  return {
    title,
    summary: [`driver ${header.driver}`, `seed ${header.seed ?? 'none'}`,
      `faults ${header.faults.join(',') || 'none'}`,
      `shape ${header.shape.hosts}x${header.shape.vms}x${header.shape.disks}`,
      `${header.origin} trace`, `model ${header.model}`].join(' · '),
    truncated: trace.truncated,
    ended: trace.end !== null,
    verdict,
    healStart: trace.steps.findIndex((step) => step.heal === true),
    ...recorder.parts(),
  };
}

function verdictOf(ended: boolean, violation: Violation | null, liveness: Violation | null):
  ReportVerdict {
  const kind = violation ? 'violated' : liveness ? 'liveness' : ended ? 'safe' : 'unfinished';
  return { kind, violation, liveness };
}
