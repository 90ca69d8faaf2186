/**
 * The report page in a real headless Chromium: the violating step is highlighted and in view
 * on load; a clicked step lights exactly the states the replayed world is in, in every actor's
 * chart; the keys walk steps, faults and the violation; search finds a VM's and a disk's steps;
 * the page makes no request. Screenshots go to test-output/report/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { diskGrants } from '../../sim/checkers/grants.ts';
import { contextFor, replayStrict } from '../../sim/run/replay.ts';
import { describeStep } from '../../sim/steps/index.ts';
import { faultOf } from '../../sim/steps.ts';
import { readTraceFile } from '../../sim/trace/reader.ts';
import type { World } from '../../sim/world/types.ts';
import { activePaths } from '../../viz/active.ts';
import { buildReport } from '../../viz/report/build.ts';
import { truncatedCopy, violatingTrace, type TraceFixture } from '../viz/trace-fixtures.ts';
import { describeBrowser, launchChromium, type Browser } from './chromium.ts';

const SHOTS = join('test-output', 'report');

interface Replayed {
  readonly worlds: World[];
  /** Per step: the VMs whose statecharts received an event, and the step's notes. */
  readonly touched: Set<number>[];
  readonly notes: string[][];
}

let dir: string;
let fixture: TraceFixture;
let replayed: Replayed;
let browser: Browser;
let page: Page;
let pageUrl: string;
const problems: string[] = [];

describeBrowser('the report in a headless browser', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lockchart-browser-'));
    mkdirSync(SHOTS, { recursive: true });
    fixture = await violatingTrace(dir);
    const worlds: World[] = [];
    const touched: Set<number>[] = [];
    const notes: string[][] = [];
    replayStrict(fixture.trace, fixture.driver, { observer: { step(observed) {
      worlds.push(observed.after);
      touched.push(new Set(observed.transitions.map((t) => t.vm)));
      notes.push([...observed.notes]);
    } } });
    replayed = { worlds, touched, notes };
    const report = await buildReport(fixture.trace, fixture.driver, 'violating');
    const file = join(dir, 'violating.html');
    writeFileSync(file, report.html);
    pageUrl = pathToFileURL(file).href;
    browser = await launchChromium();
    page = await openReport(pageUrl);
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(problems).toEqual([]);
  });

  async function openReport(url: string): Promise<Page> {
    const opened = await browser.context.newPage();
    opened.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    opened.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    // Self-contained means no request at all beyond the file itself.
    await opened.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      problems.push(`request: ${route.request().url()}`);
      return route.abort();
    });
    await opened.goto(url);
    await opened.waitForSelector('body[data-ready="1"]');
    return opened;
  }

  const selected = () => page.evaluate(() => Number(document.body.dataset['selected']));

  /** Whether the row of `step` lies wholly inside the grid's visible rows. */
  async function rowInView(step: number): Promise<boolean> {
    return page.evaluate((s) => {
      const grid = document.getElementById('grid')!.getBoundingClientRect();
      const head = document.getElementById('grid-head')!.getBoundingClientRect();
      const row = document.querySelector(`.row[data-step="${s}"]`)?.getBoundingClientRect();
      return row !== undefined && row.top >= head.bottom - 1 && row.bottom <= grid.bottom + 1;
    }, step);
  }

  /** Every card's lit states, after scrolling each into view so its chart is drawn. */
  async function litStates(): Promise<Record<string, string[]>> {
    return page.evaluate(async () => {
      const out: Record<string, string[]> = {};
      for (const card of Array.from(document.querySelectorAll<HTMLElement>('#cards .card'))) {
        card.scrollIntoView();
        for (let i = 0; i < 50 && !card.querySelector('svg'); i++) {
          await new Promise((resolve) => requestAnimationFrame(resolve));
        }
        out[card.dataset['actor']!] = Array.from(card.querySelectorAll<SVGElement>(
          '.active[data-state]')).map((el) => el.dataset['state']!).sort();
      }
      return out;
    });
  }

  /** What the cards must show after `step`, from the replayed world. */
  function expectedStates(step: number): Record<string, string[]> {
    const world = replayed.worlds[step]!;
    const names = fixture.trace.header.definitions.map((d) => d.name);
    const hosts = world.hosts.length;
    const out: Record<string, string[]> = {};
    world.domains.forEach((domain, slot) => {
      out[`${names[Math.floor(slot / hosts)]}@h${slot % hosts}`] =
        activePaths(domain.snapshot.value).sort();
    });
    for (const proc of world.procs) {
      out[`qemu:${proc.pid}`] = activePaths(proc.actor.snapshot.value).sort();
    }
    return out;
  }

  describe('the report page', () => {
    it('highlights the violating step, selected and scrolled into view, on load', async () => {
      const violation = fixture.trace.end!.violation!;
      expect(await selected()).toBe(violation.step);
      const row = page.locator(`.row[data-step="${violation.step}"]`);
      await expect.poll(() => row.getAttribute('class')).toMatch(/\bviolation\b.*\bsel\b/);
      expect(await rowInView(violation.step)).toBe(true);
      expect(await page.locator('#step-info').innerText()).toContain(violation.message);
      await page.screenshot({ path: join(SHOTS, 'violation.png') });
    });

    it('marks the lanes the violation names, and can show only those', async () => {
      const message = fixture.trace.end!.violation!.message;
      const named = [...message.matchAll(/(\w+)@h(\d+)/g)].flatMap(([, vm, host]) =>
        [`host h${host} libvirtd ${vm}`, `host h${host} qemu ${vm}`])
        .concat([...message.matchAll(/\bdisk(\d+)\b/g)].map(([, d]) => `disks disk${d}`));
      expect(named.length).toBeGreaterThan(0);
      const culprits = page.locator('.h.culprit');
      expect(await culprits.count()).toBe(new Set(named).size);
      await page.keyboard.press('l');
      expect(await page.locator('.hrow').last().locator('.h').count()).toBe(new Set(named).size);
      expect(await page.locator('#focus').isChecked()).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'violation-lanes.png') });
      await page.keyboard.press('l');
      expect(await page.locator('.hrow').last().locator('.h').count())
        .toBe(fixture.trace.header.shape.hosts * (2 + 2 * fixture.trace.header.shape.vms) +
          fixture.trace.header.shape.disks);
    });

    it('lights in every chart exactly the states the world is in at a clicked step', async () => {
      const last = fixture.trace.end!.violation!.step - 1;
      const busiest = replayed.worlds.slice(0, last).reduce((best, world, step) =>
        (world.procs.length > replayed.worlds[best]!.procs.length ? step : best), 0);
      await page.evaluate((s) => {
        document.getElementById('grid')!.scrollTop = Math.max(0, s * 22 - 60);
      }, busiest);
      await page.locator(`.row[data-step="${busiest}"] .desc`).click();
      expect(await selected()).toBe(busiest);
      expect(replayed.worlds[busiest]!.procs.length).toBeGreaterThan(0);
      expect(await litStates()).toEqual(expectedStates(busiest));
      await page.evaluate(() => {
        document.getElementById('cards')!.scrollTop = 0;
      });
      await page.screenshot({ path: join(SHOTS, 'clicked-step.png') });
    });

    it('walks steps, faults and the violation with the keyboard', async () => {
      const faults = fixture.trace.steps.filter((s) => faultOf(s.step) !== null).map((s) => s.i);
      const violation = fixture.trace.end!.violation!.step;
      await page.keyboard.press('Home');
      expect(await selected()).toBe(0);
      await page.keyboard.press('j');
      await page.keyboard.press('ArrowDown');
      expect(await selected()).toBe(2);
      await page.keyboard.press('k');
      expect(await selected()).toBe(1);
      await page.keyboard.press('f');
      expect(await selected()).toBe(faults.find((s) => s > 1));
      await page.keyboard.press('f');
      const second = faults.filter((s) => s > 1)[1]!;
      expect(await selected()).toBe(second);
      await page.keyboard.press('Shift+F');
      expect(await selected()).toBe(faults.find((s) => s > 1));
      expect(await rowInView(await selected())).toBe(true);
      await page.keyboard.press('v');
      expect(await selected()).toBe(violation);
      expect(await rowInView(violation)).toBe(true);
      await page.keyboard.press('End');
      expect(await selected()).toBe(fixture.trace.steps.length - 1);
      await page.keyboard.press('f');
      expect(await selected()).toBe(faults[0]);
      expect(await page.locator('#nav-status').innerText()).toBe('wrapped to the first fault');
    });

    it('finds every step that concerns a VM, marks its lanes and walks the matches', async () => {
      const names = fixture.trace.header.definitions.map((d) => d.name);
      const vm = 1;
      const word = new RegExp(`\\b${names[vm]}\\b`);
      const expected = fixture.trace.steps.filter((s) =>
        word.test(describeStep(s.step, names)) || replayed.touched[s.i]!.has(vm) ||
        replayed.notes[s.i]!.some((note) => /\bvm1\b/.test(note))).map((s) => s.i);
      expect(expected.length).toBeGreaterThan(0);
      await page.keyboard.press('Home');
      await page.keyboard.press('/');
      await page.keyboard.type(names[vm]!);
      await expect.poll(() => page.locator('#search-status').innerText())
        .toMatch(new RegExp(`^${expected.length} steps? concern VM ${names[vm]}`));
      expect(await page.locator('.h.lane-hit').count()).toBe(2 * fixture.trace.header.shape.hosts);
      await page.keyboard.press('Escape');
      await page.keyboard.press('n');
      expect(await selected()).toBe(expected.find((s) => s > 0));
      await page.keyboard.press('n');
      expect(await selected()).toBe(expected.filter((s) => s > 0)[1]);
      expect(await page.locator(`.row[data-step="${await selected()}"]`).getAttribute('class'))
        .toMatch(/\bhit\b/);
      await page.screenshot({ path: join(SHOTS, 'search-vm.png') });
    });

    it('finds the steps that touch a disk: mentions, writes, lock and writer changes', async () => {
      const disk = 1;
      const ctx = contextFor(fixture.trace.header, fixture.driver);
      // The disk's lane: who holds its lock, and which running processes write it.
      const holders = (world: World) => JSON.stringify([diskGrants(ctx, world.service)
        .filter((g) => g.disk === disk).map((g) => [g.owner, g.host, g.mode]),
        world.disks[disk]!.liveWriters.map((w) => w.pid)]);
      const expected = fixture.trace.steps.filter((s) => {
        const changed = s.i === 0 ||
          holders(replayed.worlds[s.i]!) !== holders(replayed.worlds[s.i - 1]!);
        const text = describeStep(s.step, []);
        return changed || /\bdisk1\b/.test(text) ||
          replayed.notes[s.i]!.some((n) => /\bdisk1\b/.test(n));
      }).map((s) => s.i);
      await page.fill('#search', `/shared/disk${disk}.img`);
      await expect.poll(() => page.locator('#search-status').innerText())
        .toMatch(new RegExp(`^${expected.length} steps? concern disk${disk}`));
      expect(await page.locator('.h.lane-hit').allInnerTexts()).toEqual([`disk${disk}`]);
      await page.locator('#grid').focus();
      await page.keyboard.press('Home');
      await page.keyboard.press('n');
      expect(await selected()).toBe(expected.find((s) => s > 0));
    });
  });

  describe('the report of a truncated trace', () => {
    it('shows the prefix with a visible note', async () => {
      const cut = truncatedCopy(fixture, dir, 8);
      const report = await buildReport(readTraceFile(cut), fixture.driver, 'cut');
      const file = join(dir, 'cut.html');
      writeFileSync(file, report.html);
      const cutPage = await openReport(pathToFileURL(file).href);
      try {
        const notice = cutPage.locator('#notice');
        expect(await notice.isVisible()).toBe(true);
        expect(await notice.innerText()).toMatch(/Truncated trace.*8-step prefix/);
        expect(await cutPage.locator('.row').count()).toBe(8);
        expect(await cutPage.locator('#verdict').innerText()).toContain('unfinished');
        await cutPage.screenshot({ path: join(SHOTS, 'truncated.png') });
      } finally {
        await cutPage.close();
      }
    });
  });
});
