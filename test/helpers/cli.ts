/** Runs a `lockchart` command in-process and captures what it prints. */
import type { CommandIo } from '../../cli/command.ts';
import { main } from '../../cli/main.ts';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function cli(...argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CommandIo = {
    out: (text) => { out += `${text}\n`; },
    err: (text) => { err += `${text}\n`; },
    isTty: false,
  };
  const code = await main(argv, io);
  return { code, out, err };
}
