/** Runs the conformance checks against a harness factory and reports a verdict per check. */
import { CHECKS, CheckKit, type CheckCategory, type ConformanceCheck } from './checks.ts';
import type { HarnessFactory } from './harness.ts';

export type Verdict = 'pass' | 'fail' | 'n/a';

export interface CheckResult {
  readonly id: string;
  readonly category: CheckCategory;
  readonly title: string;
  readonly verdict: Verdict;
  /** Why it failed (or why it does not apply). */
  readonly detail?: string;
}

export async function runCheck(factory: HarnessFactory, check: ConformanceCheck): Promise<CheckResult> {
  const base = { id: check.id, category: check.category, title: check.title };
  const harness = await factory();
  try {
    const kit = await CheckKit.open(harness);
    const outcome = await check.run(kit);
    return outcome === 'n/a'
      ? { ...base, verdict: 'n/a', detail: check.notApplicable ?? 'not applicable' }
      : { ...base, verdict: 'pass' };
  } catch (error) {
    return { ...base, verdict: 'fail', detail: error instanceof Error ? error.message : String(error) };
  } finally {
    await harness.cleanup();
  }
}

export async function runConformance(
  factory: HarnessFactory,
  checks: readonly ConformanceCheck[] = CHECKS,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of checks) results.push(await runCheck(factory, check));
  return results;
}

/** One line per check, for the CLI. */
export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((result) => result.id.length));
  return results.map((result) => {
    const mark = result.verdict === 'pass' ? 'pass' : result.verdict === 'fail' ? 'FAIL' : 'n/a ';
    const detail = result.detail ? `  — ${result.detail}` : '';
    return `${mark}  ${result.id.padEnd(width)}  ${result.title}${detail}`;
  }).join('\n');
}
