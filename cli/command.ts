/** What every `lockchart` subcommand provides. */
export interface Command {
  readonly name: string;
  /** One line for `lockchart --help`. */
  readonly summary: string;
  /** The full usage text for `lockchart <name> --help`. */
  readonly usage: string;
  /** Runs the command; resolves with the process exit code. */
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}

/** Where a command writes: injected so tests can capture output without spawning. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (progress bars, colour). */
  readonly isTty: boolean;
}

/**
 * A usage or input error: printed as one line `lockchart: <message>` with exit code 2. Anything
 * else that escapes a command is a crash (exit 1).
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTty: Boolean(process.stdout.isTTY),
};
