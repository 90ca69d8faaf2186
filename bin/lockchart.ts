// Entry for `tsx bin/lockchart.ts …` (npm scripts); `bin/lockchart.mjs` is the installed one.
import { main } from '../cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
