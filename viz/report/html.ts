/**
 * Assembles the report: one self-contained HTML file. The data, the two statechart SVGs, the
 * stylesheet and the script are all inline; the page makes no request of any kind.
 */
import type { ReportAssets } from './assets.ts';
import type { ReportCharts } from './charts.ts';
import type { ReportData } from './model.ts';

/** Text safe inside HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a `<script>` element: no `<` can close it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The page's static notice about an unfinished run (also shown without scripts). */
export function unfinishedNotice(data: ReportData): string | null {
  if (data.truncated) {
    return `Truncated trace: the run crashed while writing it (its last line is cut off). ` +
      `Shown: the ${data.steps}-step prefix that replays.`;
  }
  if (!data.ended) {
    return `Unfinished trace: no end record (the run was stopped or crashed between steps). ` +
      `Shown: the ${data.steps} steps it recorded.`;
  }
  return null;
}

/** The whole page: static header and notice, charts in templates, data and script inline. */
export function reportHtml(data: ReportData, charts: ReportCharts, assets: ReportAssets): string {
  if (assets.script.includes('</script')) throw new Error('client script would close its element');
  const notice = unfinishedNotice(data);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lockchart report — ${escapeHtml(data.title)}</title>
<style>
${assets.css}
</style>
</head>
<body>
<header id="top">
  <div class="headline"><b>lockchart</b> <span class="title">${escapeHtml(data.title)}</span>
    <span id="verdict" class="verdict ${data.verdict.kind}">${escapeHtml(verdictText(data))}</span>
  </div>
  <div class="summary">${escapeHtml(data.summary)} ·
    ${data.steps.toLocaleString('en-US')} steps</div>
  ${notice ? `<div id="notice" class="notice">${escapeHtml(notice)}</div>` : ''}
  <div class="tools">
    <input id="search" type="search" placeholder="search a VM or disk ( / )" autocomplete="off"
      spellcheck="false">
    <label title="only the lanes the violation names or the search found (l)">
      <input id="focus" type="checkbox"> marked lanes only</label>
    <span id="search-status"></span>
    <span id="nav-status"></span>
    <span class="keys">↓/j ↑/k step · f/F fault · v/V violation · n/N match · / search ·
      l marked lanes · click a step for its statecharts</span>
  </div>
</header>
<main>
  <section id="timeline">
    <div id="grid" tabindex="0"><div id="grid-head"></div><div id="grid-body"></div></div>
    <canvas id="minimap" title="faults (orange), violations (red), matches (blue)"></canvas>
  </section>
  <section id="panel"><div id="step-info"></div><div id="cards"></div></section>
</main>
<template id="chart-domain">${charts.domain}</template>
<template id="chart-process">${charts.process}</template>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>
${assets.script}
</script>
</body>
</html>
`;
}

function verdictText(data: ReportData): string {
  const { violation, liveness, kind } = data.verdict;
  const found = violation ?? liveness;
  if (found) {
    return `${kind === 'violated' ? 'VIOLATED' : 'LIVENESS'} ${found.invariant} ${found.checker} ` +
      `at step ${found.step}: ${found.message}`;
  }
  return kind === 'safe' ? 'safe' : 'unfinished: no verdict';
}
