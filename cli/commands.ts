/** The registry of subcommands. Each command lives in its own file under `cli/commands/`. */
import type { Command } from './command.ts';
import { machinesCommand } from './commands/machines.ts';

export const commands: readonly Command[] = [machinesCommand];
