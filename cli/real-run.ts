/** Real mode for `lockchart sim --real` and `lockchart replay --real`. */
import { realBackend, RealDriverError } from '../real/backends.ts';
import type { Finding } from '../real/compare.ts';
import { RealModeError, runReal, type StepSource } from '../real/runner.ts';
import { FileSink } from '../sim/trace/writer.ts';
import { CliError, type CommandIo } from './command.ts';

/** Exit status when real mode found a divergence between model and reality. */
export const EXIT_FINDING = 3;

export async function runRealMode(options: {
  readonly driver: string;
  readonly source: StepSource;
  readonly trace?: string;
  readonly keepGoing?: boolean;
  readonly io: CommandIo;
}): Promise<number> {
  let backend;
  try {
    backend = await realBackend(options.driver);
  } catch (error) {
    if (error instanceof RealDriverError) throw new CliError(error.message);
    throw error;
  }
  if (options.source.kind === 'trace' && options.source.header.driver !== backend.model.name) {
    throw new CliError(`the trace was recorded with driver '${options.source.header.driver}'; ` +
      `real '${options.driver}' is checked against '${backend.model.name}', so replay a ` +
      `'${backend.model.name}' trace`);
  }
  const started = performance.now();
  let result;
  try {
    result = await runReal({
      backend,
      source: options.source,
      ...(options.trace ? { sink: new FileSink(options.trace) } : {}),
      ...(options.keepGoing ? { keepGoing: true } : {}),
    });
  } catch (error) {
    if (error instanceof RealModeError) throw new CliError(error.message);
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const io = options.io;
  io.out(`real mode: driver=${options.driver} checked against model '${backend.model.name}', ` +
    `${result.steps} steps in ${seconds.toFixed(1)} s (${Math.round(result.steps / seconds)} steps/s)`);
  const found = result.violation ?? result.liveness;
  io.out(found ? `  model verdict: ${found.kind === 'safety' ? 'VIOLATED' : 'LIVENESS'} ` +
    `${found.invariant}: ${found.message}` : '  model verdict: safe');
  io.out(result.findings.length === 0 ? '  findings: none (reality did what the model allowed)'
    : `  findings (${result.findings.length}):`);
  for (const finding of result.findings) io.out(`    ${formatFinding(finding)}`);
  if (options.trace) io.out(`  trace: ${options.trace}`);
  return result.findings.length > 0 ? EXIT_FINDING : 0;
}

export function formatFinding(finding: Finding): string {
  return `step ${finding.step} [${finding.kind}] ${finding.message}`;
}
