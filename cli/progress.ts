/** A progress bar on a terminal, plain lines otherwise (CI logs stay readable). */
import type { CommandIo } from './command.ts';

export function progress(io: CommandIo, label: string) {
  let last = '';
  return {
    update(done: number, total: number, line: string): void {
      if (io.isTty) {
        const width = 30;
        const filled = Math.round((done / total) * width);
        const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
        process.stdout.write(`\r${label} ${bar} ${done}/${total} ${line.slice(0, 60).padEnd(60)}`);
        last = line;
      } else {
        io.err(`${label} ${done}/${total} ${line}`);
      }
    },
    done(): void {
      if (io.isTty && last !== '') process.stdout.write('\r\u001b[2K');
    },
  };
}
