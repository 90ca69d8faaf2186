#!/usr/bin/env node
// Thin entry: lockchart is written in TypeScript and runs through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { tolerateClosedPipes } = await import('../cli/stdio.ts');
const { main } = await import('../cli/main.ts');
tolerateClosedPipes();
process.exitCode = await main(process.argv.slice(2));
