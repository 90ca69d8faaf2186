/** Trace in, HTML out: the whole report pipeline (no file I/O beyond the page's own assets). */
import type { SimDriver } from '../../sim/resolve-driver.ts';
import type { ReadTrace } from '../../sim/trace/reader.ts';
import { reportAssets } from './assets.ts';
import { reportCharts } from './charts.ts';
import { collectReport } from './collect.ts';
import { reportHtml } from './html.ts';
import type { ReportData } from './model.ts';

export interface BuiltReport {
  readonly html: string;
  readonly data: ReportData;
}

/**
 * Replays `trace` and renders its report page.
 * @throws ReplayError when the trace does not reproduce with `driver`.
 */
export async function buildReport(trace: ReadTrace, driver: SimDriver, title: string):
  Promise<BuiltReport> {
  const charts = reportCharts();
  const data = collectReport(trace, driver, title);
  return { html: reportHtml(data, await charts, reportAssets()), data };
}
