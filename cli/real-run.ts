/** Real mode for `lockchart sim --real` and `lockchart replay --real`. */
import { driverFlag, shellWord, type DriverOffer } from '../drivers/registry/offer.ts';
import { DriverCallError, DriverLoadError } from '../drivers/registry/errors.ts';
import { realBackendFor, realDriverNames, RealDriverError, unavailable } from '../real/backends.ts';
import { builtinDriver, resolveDriver } from '../sim/resolve-driver.ts';
import type { Finding } from '../real/compare.ts';
import { RealModeError, runReal, type StepSource } from '../real/runner.ts';
import type { ReadTrace } from '../sim/trace/reader.ts';
import { FileSink } from '../sim/trace/writer.ts';
import { CliError, type CommandIo } from './command.ts';
import { checkInspectTarget, inspectOption } from './inspect-option.ts';
import { checkOutputFile } from './output-path.ts';
import { faultsOption, positiveOption, seedOption, shapeOption } from './sim-options.ts';

/** Exit status when real mode found a divergence between model and reality. */
export const EXIT_FINDING = 3;

/** The real driver `--driver`/`--real` names (a built-in name, or a module the user named). */
async function realOffer(spec: string): Promise<DriverOffer> {
  try {
    return await resolveDriver(spec);
  } catch (error) {
    if (error instanceof DriverLoadError) {
      throw new CliError(/^unknown driver/.test(error.message)
        ? `real mode has no driver '${spec}' (real drivers: ${realDriverNames().join(', ')}; or ` +
          'a module exporting createDriver)' : error.message);
    }
    throw error;
  }
}

export async function runRealMode(options: {
  readonly driver: string;
  readonly source: StepSource;
  readonly trace?: string;
  readonly keepGoing?: boolean;
  /** `--inspect FILE|ws://…`: inspection events of the run's statecharts. */
  readonly inspect?: string;
  readonly io: CommandIo;
}): Promise<number> {
  const offer = await realOffer(options.driver);
  const missing = unavailable(offer);
  if (missing) throw new CliError(`real driver '${offer.name}' cannot run here: ${missing}`);
  let backend;
  try {
    backend = await realBackendFor(offer);
  } catch (error) {
    if (error instanceof RealDriverError) throw new CliError(error.message);
    throw error;
  }
  // A simulator trace of the reference driver, or a trace an earlier real run of this driver wrote.
  const reference = backend.reference ?? backend.model.name;
  if (options.source.kind === 'trace' &&
    ![reference, backend.name].includes(options.source.header.driver)) {
    throw new CliError(`the trace was recorded with driver '${options.source.header.driver}'; ` +
      `real '${options.driver}' is checked against '${reference}', so replay a ` +
      `'${reference}' trace (or one real '${backend.name}' wrote)`);
  }
  const inspection = await inspectOption(options.inspect);
  const started = performance.now();
  let result;
  try {
    result = await runReal({
      backend,
      source: options.source,
      ...(options.trace ? { sink: new FileSink(options.trace) } : {}),
      ...(options.keepGoing ? { keepGoing: true } : {}),
      ...(inspection ? { observer: inspection.observer } : {}),
    });
  } catch (error) {
    if (error instanceof RealModeError) throw new CliError(error.message);
    if (error instanceof DriverCallError) throw new CliError(error.message);
    throw error;
  } finally {
    await inspection?.sink.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const io = options.io;
  io.out(`real mode: driver=${offer.name} checked against model ` +
    `'${backend.reference ?? backend.model.name}', ` +
    `${result.steps} steps in ${seconds.toFixed(1)} s (${Math.round(result.steps / seconds)} steps/s)`);
  const found = result.violation ?? result.liveness;
  io.out(found ? `  model verdict: ${found.kind === 'safety' ? 'VIOLATED' : 'LIVENESS'} ` +
    `${found.invariant}: ${found.message}` : '  model verdict: safe');
  io.out(result.findings.length === 0 ? '  findings: none (reality did what the model allowed)'
    : `  findings (${result.findings.length}):`);
  for (const finding of result.findings) io.out(`    ${formatFinding(finding)}`);
  for (const incident of backend.incidents ?? []) io.out(`  incident: ${incident}`);
  if (options.trace) {
    // The model side replays with the reference model; a module's own model needs its module.
    const model = builtinDriver(backend.reference ?? backend.model.name) ? '' : driverFlag(offer);
    io.out(`  trace: ${options.trace} (lockchart replay ${shellWord(options.trace)}${model}; ` +
      `lockchart replay --real ${shellWord(options.driver)} ${shellWord(options.trace)})`);
  }
  return result.findings.length > 0 ? EXIT_FINDING : 0;
}

export function formatFinding(finding: Finding): string {
  return `step ${finding.step}${finding.what ? ` (${finding.what})` : ''} [${finding.kind}] ` +
    finding.message;
}

/** The `lockchart sim` options real mode reads (the others are refused with --real). */
export interface SimRealValues {
  readonly driver?: string | undefined;
  readonly seed?: string | undefined;
  readonly seeds?: string | undefined;
  readonly steps?: string | undefined;
  readonly faults?: string | undefined;
  readonly shape?: string | undefined;
  readonly invariants?: string | undefined;
  readonly trace?: string | undefined;
  readonly json?: boolean | undefined;
  readonly inspect?: string | undefined;
  readonly 'keep-going'?: boolean | undefined;
}

/** Real mode's safety phase is short by default: every VM start is two real processes. */
export const REAL_DEFAULT_STEPS = 500;

/** `lockchart sim --real --driver NAME …`: one seed against a real driver. */
export async function simReal(values: SimRealValues, io: CommandIo): Promise<number> {
  const refused = (['seeds', 'invariants', 'json'] as const)
    .filter((name) => values[name] !== undefined);
  if (refused.length > 0) {
    throw new CliError(`sim --real runs one seed with every invariant: drop ` +
      refused.map((name) => `--${name}`).join(', '));
  }
  if (values.driver === undefined) {
    throw new CliError(`sim --real needs --driver (real drivers: ${realDriverNames().join(', ')}, ` +
      'or a module exporting createDriver)');
  }
  const shape = shapeOption(values.shape);
  checkInspectTarget(values.inspect);
  if (values.trace !== undefined) checkOutputFile(values.trace, '--trace');
  return runRealMode({
    driver: values.driver,
    source: { kind: 'random', seed: seedOption(values.seed, 1),
      steps: positiveOption(values.steps, 'steps', REAL_DEFAULT_STEPS, 10_000_000),
      faults: faultsOption(values.faults), ...(shape ? { shape } : {}) },
    ...(values.trace ? { trace: values.trace } : {}),
    ...(values['keep-going'] ? { keepGoing: true } : {}),
    ...(values.inspect !== undefined ? { inspect: values.inspect } : {}),
    io,
  });
}

/** `lockchart replay --real NAME FILE`: a recorded run's steps against a real driver. */
export function replayReal(driver: string, trace: ReadTrace, io: CommandIo,
  options: { readonly keepGoing?: boolean | undefined; readonly trace?: string | undefined;
    readonly file?: string } = {}): Promise<number> {
  return runRealMode({
    driver,
    source: { kind: 'trace', header: trace.header, steps: trace.steps.map((record) => record.step),
      finished: trace.end !== null },
    ...(options.trace ? { trace: options.trace } : {}),
    ...(options.keepGoing ? { keepGoing: true } : {}),
    io,
  });
}
