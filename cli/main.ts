/** `lockchart`: dispatches to a subcommand and turns errors into one-line messages. */
import { CliError, processIo, type CommandIo } from './command.ts';
import { commands } from './commands.ts';
import { DriverLoadError } from '../drivers/registry/errors.ts';

function overview(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const lines = commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    'lockchart — libvirt lock-manager statecharts, real lock drivers and a fault simulator',
    '',
    'usage: lockchart <command> [options]   (lockchart <command> --help for details)',
    '',
    'commands:',
    ...lines,
  ].join('\n');
}

export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    io.err(`lockchart: unknown command '${name}' (known: ${commands.map((c) => c.name).join(', ')})`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`lockchart: ${error.message}`);
      return error.exitCode;
    }
    // A driver someone named that cannot be loaded, or misbehaved when called: their bug, one line.
    if (error instanceof DriverLoadError) {
      io.err(`lockchart: ${error.message.split('\n')[0]}`);
      return 2;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.err(`lockchart: internal error: ${message}`);
    return 1;
  }
}
