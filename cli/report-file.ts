/**
 * Where a run's JSON report goes: `--out FILE`, or `--out-dir DIR` — the shared directory the
 * shards of one sweep write to (a Kubernetes volume, a CI artifact), each under a name of its
 * own, for `lockchart merge DIR` to join. A report is written whole or not at all (a temporary
 * name, then a rename): a pod killed while writing leaves no half a report for merge to trip on.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Shard } from '../matrix/matrix.ts';

export type ReportKind = 'matrix' | 'seeds';

/** A report's name in an `--out-dir`: `matrix-2-of-4.json`, `seeds.json` (unsharded). */
export function reportName(kind: ReportKind, shard: Shard | null): string {
  return shard ? `${kind}-${shard.index}-of-${shard.count}.json` : `${kind}.json`;
}

export function writeReport(path: string, report: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  // Not *.json, and hidden: `merge DIR` never reads a report still being written.
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  writeFileSync(partial, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(partial, path);
}

/** Writes the report to `--out` and into `--out-dir`, whichever were given. */
export function writeReports(report: unknown, kind: ReportKind, shard: Shard | null,
  where: { readonly out?: string | undefined; readonly outDir?: string | undefined }): void {
  if (where.out !== undefined) writeReport(where.out, report);
  if (where.outDir !== undefined) writeReport(join(where.outDir, reportName(kind, shard)), report);
}
