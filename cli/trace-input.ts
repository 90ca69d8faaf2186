/** Loading a trace and the driver it names, for replay, shrink and report. */
import { readTraceFile, TraceError, type ReadTrace } from '../sim/trace/reader.ts';
import type { SimDriver } from '../sim/drivers/registry.ts';
import { CliError } from './command.ts';
import { driverOption } from './sim-options.ts';

export function loadTrace(path: string | undefined, command: string): ReadTrace {
  if (!path) throw new CliError(`${command}: which trace? (lockchart ${command} FILE)`);
  try {
    return readTraceFile(path);
  } catch (error) {
    if (error instanceof TraceError) throw new CliError(error.message);
    throw error;
  }
}

/** The driver a trace was recorded with, or the module given with --driver. */
export async function traceDriver(trace: ReadTrace, override: string | undefined): Promise<SimDriver> {
  const driver = await driverOption(override ?? trace.header.driver).catch((error: Error) => {
    throw new CliError(`${error.message}${override ? '' : ' — the trace names this driver; ' +
      'pass --driver PATH for a driver loaded from a module'}`);
  });
  return driver;
}
