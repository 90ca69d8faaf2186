/** Strict argument parsing shared by the commands: every problem is a one-line CliError. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './command.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
/** Spelled out so that the declaration files can name it. */
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T;
  allowPositionals: true; strict: true }>>;

export function parse<T extends Options>(argv: readonly string[], options: T, command: string):
  Parsed<T> {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CliError(`${command}: ${message} (see 'lockchart ${command} --help')`);
  }
}

/** Parses a non-negative safe integer option such as --seed or --steps. */
export function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new CliError(`--${name} must be a non-negative integer, got '${value}'`);
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new CliError(`--${name} is too large: '${value}'`);
  return parsed;
}
