/** The registry of subcommands. Each command lives in its own file under `cli/commands/`. */
import type { Command } from './command.ts';
import { conformCommand } from './commands/conform.ts';
import { diagramCommand } from './commands/diagram.ts';
import { exploreCommand } from './commands/explore.ts';
import { interopCommand } from './commands/interop.ts';
import { machinesCommand } from './commands/machines.ts';
import { marginCommand } from './commands/margin.ts';
import { matrixCommand } from './commands/matrix.ts';
import { mergeCommand } from './commands/merge.ts';
import { replayCommand } from './commands/replay.ts';
import { reportCommand } from './commands/report.ts';
import { scenarioCommand } from './commands/scenario.ts';
import { shrinkCommand } from './commands/shrink.ts';
import { simCommand } from './commands/sim.ts';

export const commands: readonly Command[] = [
  matrixCommand,
  simCommand,
  exploreCommand,
  replayCommand,
  reportCommand,
  shrinkCommand,
  scenarioCommand,
  mergeCommand,
  machinesCommand,
  diagramCommand,
  conformCommand,
  interopCommand,
  marginCommand,
];
