/** The facts docs/plugins.md states about the code stay true. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODEL_FUNCTIONS } from '../../drivers/registry/check-model.ts';
import { DEFAULT_DRIVER_BUDGET_MS } from '../../drivers/registry/driver-guard.ts';
import { DEFAULT_BUDGET_MS } from '../../drivers/registry/watchdog.ts';
import { SUPERVISED_FAULTS } from '../../real/supervised-backend.ts';

const doc = readFileSync(new URL('../../docs/plugins.md', import.meta.url), 'utf8');

describe('docs/plugins.md', () => {
  it('documents every function a service model must have', () => {
    for (const fn of MODEL_FUNCTIONS) expect(doc).toMatch(new RegExp(`\`${fn}\\(`));
  });

  it('states the time budgets the guards use', () => {
    expect(doc).toContain(`${DEFAULT_BUDGET_MS / 1000} s per call`);
    expect(doc).toContain(`(${DEFAULT_DRIVER_BUDGET_MS / 1000} s per call`);
  });

  it('lists the faults real mode makes real for a plugin LockDriver', () => {
    const listed = /Faults made real: (.*?)\. /s.exec(doc)![1]!.replace(/\s+/g, ' ');
    expect(listed.match(/`[a-z-]+`/g)!.map((fault) => fault.slice(1, -1)).sort())
      .toEqual([...SUPERVISED_FAULTS].sort());
  });
});
