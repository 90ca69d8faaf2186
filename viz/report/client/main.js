/*
 * Boot: decode the data, build the grid, minimap, statechart panel, search and keys, then
 * select the violating step (or the first) and scroll it into view. `body[data-ready]` and
 * `window.lockchartReport` tell a test (or a benchmark) the page is up.
 */

function boot() {
  const started = performance.now();
  const model = decodeReport(JSON.parse(document.getElementById('report-data').textContent));
  const state = { selected: -1, hits: new Int32Array(0) };
  const charts = createCharts(model);

  function select(step, how) {
    if (model.steps === 0) return;
    const clamped = Math.max(0, Math.min(model.steps - 1, step));
    state.selected = clamped;
    grid.select(clamped, how);
    minimap.draw();
    showStepInfo(model, clamped);
    charts.show(clamped);
    document.body.dataset.selected = String(clamped);
  }

  const grid = createGrid(model, select);
  const minimap = createMinimap(model, grid, (step) => select(step, 'center'));
  const say = (text) => {
    document.getElementById('search-status').textContent = text;
  };
  const nav = {
    viewRows: () => grid.viewRows(),
    step: (delta) => select(state.selected + delta, 'nearest'),
    go: (step) => select(step, 'nearest'),
    jump(sorted, dir, what) {
      const next = neighbour(sorted, state.selected, dir);
      if (next < 0) say(`no ${dir > 0 ? 'later' : 'earlier'} ${what}`);
      else select(next, 'center');
    },
    nextHit(dir) {
      nav.jump(state.hits, dir, 'match');
    },
  };
  createSearch(model, {
    results(steps, lanes) {
      state.hits = steps;
      grid.setHits(steps, lanes);
      minimap.setHits(steps);
      if (lanes.size > 0) grid.revealLane(Math.min(...lanes));
    },
    next: (dir) => nav.nextHit(dir),
  });
  bindKeys(model, nav);
  const verdict = document.getElementById('verdict');
  const first = model.violationStep >= 0 ? model.violationStep : model.livenessStep;
  verdict.addEventListener('click', () => {
    if (first >= 0) select(first, 'center');
  });
  select(first >= 0 ? first : 0, 'center');
  grid.grid.focus({ preventScroll: true });
  window.lockchartReport = { model, select, loadMs: performance.now() - started };
  document.body.dataset.ready = '1';
}

try {
  boot();
} catch (error) {
  const info = document.getElementById('step-info');
  info.textContent = `This report could not be shown: ${error && error.message}`;
  document.body.dataset.ready = 'error';
  throw error;
}
