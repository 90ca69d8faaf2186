/**
 * `lockchart report`: a trace in, one self-contained HTML page out; bad input is one line and a
 * non-zero exit, never a broken page.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';
import { truncatedCopy, violatingTrace, type TraceFixture } from './trace-fixtures.ts';

let dir: string;
let fixture: TraceFixture;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lockchart-report-cli-'));
  fixture = await violatingTrace(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The report's embedded data (the page's one JSON script). */
function embedded(html: string) {
  const match = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html);
  return JSON.parse(match![1]!) as { steps: number; truncated: boolean; ended: boolean };
}

describe('lockchart report', () => {
  it('writes one self-contained page: nothing is fetched from anywhere', async () => {
    const out = join(dir, 'violating.html');
    const run = await cli('report', fixture.path, '-o', out);
    expect(run.code).toBe(0);
    const violation = fixture.trace.end!.violation!;
    expect(run.out).toContain(`${violation.invariant} at step ${violation.step}`);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html.match(/<svg[\s>]/g)).toHaveLength(2);
    expect(html).toContain('id="state:active.vcpus.running"');
    expect(embedded(html)).toMatchObject({ steps: fixture.trace.steps.length, truncated: false });
  });

  it('renders a truncated trace as the prefix it is, with a visible note', async () => {
    const out = join(dir, 'truncated.html');
    const run = await cli('report', truncatedCopy(fixture, dir, 9), '-o', out);
    expect(run.code).toBe(0);
    expect(run.out).toContain('truncated trace');
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/<div id="notice" class="notice">Truncated trace: the run crashed/);
    expect(embedded(html)).toMatchObject({ steps: 9, truncated: true, ended: false });
  });

  const foreign: ReadonlyArray<[string, string, RegExp]> = [
    ['empty.jsonl', '', /empty file, not a lockchart trace/],
    ['notes.txt', 'just some notes\nmore\n', /notes\.txt:1: not valid JSON/],
    ['other.jsonl', '{"type":"event","x":1}\n',
      /not a lockchart trace \(the first line must be a header/],
    ['header-only.jsonl', '{"type":"header"}\n', /header-only\.jsonl:1: bad header/],
    ['bad-step.jsonl', null!, /bad-step\.jsonl:3: step index 7, expected 1/],
  ];
  for (const [name, content, message] of foreign) {
    it(`refuses ${name} in one line, exit 2, and writes no page`, async () => {
      const path = join(dir, name);
      const text = content ?? readFileSync(fixture.path, 'utf8').split('\n').map((line, i) =>
        (i === 2 ? line.replace('"i":1,', '"i":7,') : line)).join('\n');
      writeFileSync(path, text);
      const out = join(dir, `${name}.html`);
      const run = await cli('report', path, '-o', out);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(message);
      expect(run.err.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    });
  }

  it.each([
    [['report'], /report: which trace\?/],
    [['report', join('nowhere', 'x.jsonl')], /cannot read trace \(ENOENT\)/],
    [['report', 'a.jsonl', 'b.jsonl'], /one trace at a time/],
    [['report', '--colour'], /report: Unknown option '--colour'/],
  ])('lockchart %j: one line, exit 2', async (argv, message) => {
    const run = await cli(...argv);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(message);
    expect(run.err.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a trace that does not reproduce, naming the step (exit 1)', async () => {
    const path = join(dir, 'diverged.jsonl');
    const lines = readFileSync(fixture.path, 'utf8').split('\n');
    lines[3] = lines[3]!.replace(/"h":"[0-9a-f]{8}"/, '"h":"00000000"');
    writeFileSync(path, lines.join('\n'));
    const run = await cli('report', path, '-o', join(dir, 'diverged.html'));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/step 2 diverged/);
    expect(existsSync(join(dir, 'diverged.html'))).toBe(false);
  });
});
