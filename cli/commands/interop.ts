/**
 * `lockchart interop`: lockchart's drivers against libvirt's own lock manager (lockd.so, through
 * the libvirt helper) on one host, one lockspace and one virtlockd, for every mode, spelling and
 * direction (`real/libvirt/interop-cases.ts`). Exit 0 when every exclusion that libvirt itself
 * requires holds; cross-spelling double grants are findings, listed, not failures.
 */
import { libvirtSupport } from '../../drivers/libvirt/build.ts';
import { runInterop } from '../../real/libvirt/interop.ts';
import {
  crossFindings,
  interopMarkdown,
  interopSummary,
  requiredFailures,
} from '../../real/libvirt/interop-format.ts';
import { LOCKCHART_DRIVERS, type LockchartDriverName, type Mode }
  from '../../real/libvirt/interop-parties.ts';
import { parse } from '../args.ts';
import { CliError, type Command } from '../command.ts';

const DRIVERS = [...LOCKCHART_DRIVERS, 'libvirt'] as const;
type DriverOption = (typeof DRIVERS)[number];
const MODES: readonly Mode[] = ['direct', 'indirect'];

function listOption<T extends string>(value: string | undefined, known: readonly T[], name: string):
  T[] {
  if (value === undefined) return [...known];
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  const unknown = items.filter((item) => !(known as readonly string[]).includes(item));
  if (items.length === 0 || unknown.length > 0) {
    throw new CliError(`interop: --${name} takes a comma list of ${known.join(', ')}` +
      (unknown.length > 0 ? `, got '${unknown.join(',')}'` : ''));
  }
  return [...new Set(items)] as T[];
}

export const interopCommand: Command = {
  name: 'interop',
  summary: "lockchart's drivers against libvirt's own lockd.so on one host, daemon and lockspace",
  usage: [
    'usage: lockchart interop [--driver ofd,posix,lockd,libvirt] [--mode direct,indirect]',
    '                         [--json | --markdown]',
    '',
    "For each driver, mode, spelling of the disk (as written, //, /./, .., a symlink) and",
    "direction, lockchart and libvirt's own lock manager (libvirt.so.0 with lockd.so, run by the",
    'libvirt helper in a private /run) contend for one disk on one virtlockd and one lockspace.',
    "'libvirt' is libvirt against libvirt: the baseline. Needs root, gcc, libvirt-daemon and",
    'virtlockd. Exit 0 when every same-spelling exclusion holds (byte-compatible names); cross-',
    'spelling double grants are printed as findings (libvirt cannot protect those spellings).',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse(argv, {
      driver: { type: 'string' },
      mode: { type: 'string' },
      json: { type: 'boolean' },
      markdown: { type: 'boolean' },
    }, 'interop');
    if (positionals.length > 0) throw new CliError(`interop: unexpected argument '${positionals[0]}'`);
    if (values.json && values.markdown) throw new CliError('interop: --json and --markdown exclude each other');
    const drivers = listOption<DriverOption>(values.driver, DRIVERS, 'driver') as
      (LockchartDriverName | 'libvirt')[];
    const modes = listOption(values.mode, MODES, 'mode');
    const missing = libvirtSupport('lockd');
    if (missing !== null) throw new CliError(`interop: cannot run libvirt's lock manager here: ${missing}`);
    const results = await runInterop({ drivers, modes });
    if (values.json) {
      io.out(JSON.stringify({ summary: interopSummary(results), results }, null, 2));
    } else {
      io.out(interopMarkdown(results));
      if (!values.markdown) {
        io.out('');
        io.out(interopSummary(results));
        for (const failure of requiredFailures(results)) {
          io.out(`  REQUIRED exclusion failed: ${failure.driver} ${failure.mode} ` +
            `'${failure.spelling}' ${failure.direction}: ${failure.outcome}`);
        }
        const findings = crossFindings(results);
        if (findings.length > 0) {
          io.out('  findings (spellings libvirt cannot protect; see docs/interop.md):');
          const seen = new Set<string>();
          for (const finding of findings) {
            const key = `${finding.driver} ${finding.mode} ${finding.pairing}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const count = findings.filter((f) => `${f.driver} ${f.mode} ${f.pairing}` === key).length;
            io.out(`    ${key}: ${count} contest(s) granted twice`);
          }
        }
      }
    }
    const errors = results.filter((result) => result.outcome.startsWith('error'));
    return requiredFailures(results).length > 0 || errors.length > 0 ? 1 : 0;
  },
};
