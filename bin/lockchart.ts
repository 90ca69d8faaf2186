// Entry for `tsx bin/lockchart.ts …` (npm scripts); `bin/lockchart.mjs` is the installed one.
import { main } from '../cli/main.ts';
import { tolerateClosedPipes } from '../cli/stdio.ts';

tolerateClosedPipes();
process.exitCode = await main(process.argv.slice(2));
