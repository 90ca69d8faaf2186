#!/usr/bin/env node
// The `lockchart` command. In a checkout it runs the TypeScript sources through tsx's loader
// (even when a build left dist/ behind: the sources are what is being worked on); the installed
// package ships no sources, and runs the compiled JavaScript in dist/ with plain Node.
import { existsSync } from 'node:fs';

const root = existsSync(new URL('../cli/main.ts', import.meta.url)) ? '../' : '../dist/';
const at = (path) => new URL(`${root}${path}`, import.meta.url);
const { importSource } = await import(at('system/source-import.mjs').href);
const { tolerateClosedPipes } = await importSource(at('cli/stdio.ts'));
const { main } = await importSource(at('cli/main.ts'));
tolerateClosedPipes();
process.exitCode = await main(process.argv.slice(2));
