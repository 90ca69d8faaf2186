/**
 * Loading a trace and the driver it names, for replay, shrink and report. A trace is data: the
 * driver its header names is looked up among the built-in drivers only. A module is loaded only
 * when the user names it with `--driver PATH` (`sim/resolve-driver.ts`).
 */
import { readTraceFile, TraceError, type ReadTrace } from '../sim/trace/reader.ts';
import { DriverLoadError, resolveDriver, simDriverOf, type SimDriver } from '../sim/resolve-driver.ts';
import { CliError } from './command.ts';

export function loadTrace(path: string | undefined, command: string): ReadTrace {
  if (!path) throw new CliError(`${command}: which trace? (lockchart ${command} FILE)`);
  try {
    return readTraceFile(path);
  } catch (error) {
    if (error instanceof TraceError) throw new CliError(error.message);
    throw error;
  }
}

/** The driver a trace was recorded with (built in), or the module given with --driver. */
export async function traceDriver(trace: ReadTrace, override: string | undefined, file: string):
  Promise<SimDriver> {
  let driver: SimDriver;
  try {
    const offer = await resolveDriver(override ?? trace.header.driver,
      override === undefined ? { from: 'data', what: `the trace ${file}` } : { from: 'command-line' });
    // A real-mode trace of a module's driver names the reference model the module gave.
    const reference = offer.reference;
    driver = reference && reference.name === trace.header.driver && offer.model?.model.name !==
      trace.header.driver ? { name: reference.name, model: reference.model, config: reference.config }
      : simDriverOf(offer);
  } catch (error) {
    if (error instanceof DriverLoadError) throw new CliError(error.message);
    throw error;
  }
  if (driver.name !== trace.header.driver) {
    throw new CliError(`${file}: the trace was recorded with driver '${trace.header.driver}', ` +
      `--driver ${override} is '${driver.name}'`);
  }
  // The header's configuration goes to the model: one it refuses is a bad header, not a crash.
  try {
    driver.model.initial({ ...driver.config, ...trace.header.config });
  } catch (error) {
    if (error instanceof DriverLoadError) throw error;
    throw new CliError(`${file}:1: bad header: 'config' is refused by driver '${driver.name}': ` +
      `${(error as Error).message}`);
  }
  return driver;
}
