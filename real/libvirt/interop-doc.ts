/**
 * `npm run interop`: runs the interop matrix for real (`lockchart interop`) and writes its table
 * into `docs/interop.md`, between the markers, so the published table is always one run's output.
 * Needs what `lockchart interop` needs (root, gcc, libvirt-daemon, virtlockd).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { libvirtSupport } from '../../drivers/libvirt/build.ts';
import { interopMarkdown, interopSummary, requiredFailures } from './interop-format.ts';
import { runInterop } from './interop.ts';

export const INTEROP_DOC = fileURLToPath(new URL('../../docs/interop.md', import.meta.url));
export const TABLE_START = '<!-- interop-table:start (npm run interop writes this) -->';
export const TABLE_END = '<!-- interop-table:end -->';

/** The doc with `table` between the markers (pure). */
export function withTable(doc: string, table: string): string {
  const start = doc.indexOf(TABLE_START);
  const end = doc.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`${INTEROP_DOC} lacks the table markers`);
  return `${doc.slice(0, start + TABLE_START.length)}\n${table}\n${doc.slice(end)}`;
}

const missing = libvirtSupport('lockd');
if (missing !== null) {
  console.error(`npm run interop: cannot run libvirt's lock manager here: ${missing}`);
  process.exit(2);
}
const results = await runInterop({ drivers: ['libvirt', 'ofd', 'posix', 'lockd'],
  modes: ['direct', 'indirect'] });
const table = `${interopMarkdown(results)}\n\n${interopSummary(results)}.`;
writeFileSync(INTEROP_DOC, withTable(readFileSync(INTEROP_DOC, 'utf8'), table));
console.log(`wrote the table to docs/interop.md: ${interopSummary(results)}`);
process.exit(requiredFailures(results).length > 0 ? 1 : 0);
