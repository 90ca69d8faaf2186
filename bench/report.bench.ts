/**
 * Issue 7's figures for `lockchart report`: the time to build the HTML of a 100,000-step trace
 * (read, strict replay with the recorder, the two charts laid out, the page assembled), and the
 * time the page takes to load in headless Chromium, up to its first render with the violation
 * or first step selected. Also: the page's size and how long selecting a step takes in it.
 *
 * The trace comes from `lockchart sim` in a child process, so this process builds the report
 * cold, as the command would. The fault class (daemon re-exec on the model driver) keeps the
 * run free of safety violations, so it lasts the whole 100,000 steps.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveSimDriver } from '../sim/resolve-driver.ts';
import { readTraceFile } from '../sim/trace/reader.ts';
import { buildReport } from '../viz/report/build.ts';
import { launchChromium } from '../test/browser/chromium.ts';
import { atMost, type BenchFigure } from './harness.ts';

const STEPS = 100_000;

function generate(path: string): void {
  const run = spawnSync(process.execPath, ['bin/lockchart.mjs', 'sim', '--driver', 'model',
    '--faults', 'daemon-reexec', '--seed', '1', '--steps', String(STEPS), '--trace', path],
  { encoding: 'utf8' });
  if (run.status !== 0 && run.status !== 128) throw new Error(`sim failed: ${run.stderr}`);
}

async function pageFigures(file: string) {
  const browser = await launchChromium();
  try {
    const loads: number[] = [];
    let selectMs = 0;
    for (let i = 0; i < 3; i++) {
      const page = await browser.context.newPage();
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready="1"]');
      loads.push(await page.evaluate(() =>
        (window as unknown as { lockchartReport: { readyMs: number } }).lockchartReport.readyMs));
      selectMs = await page.evaluate(() => {
        const report = (window as unknown as { lockchartReport: {
          select(step: number, how: string): void; model: { steps: number } } }).lockchartReport;
        const started = performance.now();
        for (let k = 0; k < 50; k++) {
          report.select(Math.floor((k * report.model.steps) / 50), 'center');
        }
        return (performance.now() - started) / 50;
      });
      await page.close();
    }
    return { load: Math.min(...loads), select: selectMs };
  } finally {
    await browser.close();
  }
}

export default async function bench(): Promise<BenchFigure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lockchart-bench-report-'));
  try {
    const tracePath = join(dir, 'long.jsonl');
    generate(tracePath);
    const started = performance.now();
    const trace = readTraceFile(tracePath);
    const report = await buildReport(trace, await resolveSimDriver(trace.header.driver), 'bench');
    const buildSeconds = (performance.now() - started) / 1000;
    const htmlPath = join(dir, 'long.html');
    writeFileSync(htmlPath, report.html);
    const page = await pageFigures(htmlPath);
    return [
      atMost(`build the HTML of a ${report.data.steps.toLocaleString('en-US')}-step trace (s)`,
        buildSeconds, 's', 5),
      { name: 'report page size (MB)', value: report.html.length / 1e6, unit: 'MB' },
      atMost('page load in headless Chromium, to first render (ms)', page.load, 'ms', 2000),
      { name: 'select a step in the page: grid + panel + charts (ms)', value: page.select,
        unit: 'ms' },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
