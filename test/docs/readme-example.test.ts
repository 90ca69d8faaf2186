/**
 * The README's library example must keep working: this runs its code block, exactly as written
 * (imports resolved from the repository root), and compares the output with the block the README
 * says it prints.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The first fenced block of `language` after the heading. */
function block(heading: string, language: string): string {
  const section = readme.slice(readme.indexOf(`\n## ${heading}\n`));
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section);
  if (!match?.[1]) throw new Error(`README: no \`\`\`${language} block under '## ${heading}'`);
  return match[1];
}

describe("the README's library example", () => {
  const code = block('Library example', 'ts');
  const printed = block('Library example', 'text');

  it('is short enough to read at a glance', () => {
    expect(code.trim().split('\n').length).toBeLessThanOrEqual(20);
  });

  it('runs and prints what the README says it prints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockchart-readme-'));
    try {
      const file = join(dir, 'example.mts');
      writeFileSync(file, code.replaceAll("from './", `from '${root}`));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file],
        { cwd: root, timeout: 20_000 });
      expect(stdout).toBe(printed);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
