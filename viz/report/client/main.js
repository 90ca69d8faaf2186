/*
 * Boot: decode the data, build the grid, minimap, statechart panel, search and keys, then
 * select the violating step (or the first) and scroll it into view. `body[data-ready]` and
 * `window.lockchartReport` (with `select(step)` and the boot timings) tell a test or a
 * benchmark the page is up.
 */

function boot() {
  const started = performance.now();
  const model = decodeReport(JSON.parse(document.getElementById('report-data').textContent));
  const state = { selected: -1, hits: new Int32Array(0) };
  const charts = createCharts(model);
  const first = model.violationStep >= 0 ? model.violationStep : model.livenessStep;
  const found = model.raw.verdict.violation ?? model.raw.verdict.liveness;
  // The VM@host places a violation names: their cards come first at the violating step.
  const named = new Set(found ? [...found.message.matchAll(/[\w.-]+@h\d+/g)].map((m) => m[0])
    : []);
  const NOTHING = new Set();

  function select(step, how) {
    if (model.steps === 0) return;
    const clamped = Math.max(0, Math.min(model.steps - 1, step));
    state.selected = clamped;
    grid.select(clamped, how);
    minimap.draw();
    showStepInfo(model, clamped);
    charts.show(clamped, clamped === first ? named : NOTHING);
    document.body.dataset.selected = String(clamped);
  }

  const grid = createGrid(model, select);
  const minimap = createMinimap(model, grid, (step) => select(step, 'center'));
  const say = (text) => {
    document.getElementById('nav-status').textContent = text;
  };
  const nav = {
    viewRows: () => grid.viewRows(),
    step(delta) {
      say('');
      select(state.selected + delta, 'nearest');
    },
    go(step) {
      say('');
      select(step, 'nearest');
    },
    /** The next (or previous) entry of a sorted step list, wrapping around at the ends. */
    jump(sorted, dir, what) {
      if (sorted.length === 0) {
        say(`no ${what} in this trace`);
        return;
      }
      let next = neighbour(sorted, state.selected, dir);
      say('');
      if (next < 0) {
        next = dir > 0 ? sorted[0] : sorted[sorted.length - 1];
        say(`wrapped to the ${dir > 0 ? 'first' : 'last'} ${what}`);
      }
      select(next, 'center');
    },
    nextHit(dir) {
      nav.jump(state.hits, dir, 'match');
    },
    toggleFocus() {
      const on = grid.toggleFocus();
      document.getElementById('focus').checked = on;
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
  document.getElementById('focus').addEventListener('change', () => {
    nav.toggleFocus();
    grid.grid.focus({ preventScroll: true });
  });
  const verdict = document.getElementById('verdict');
  verdict.addEventListener('click', () => {
    if (first >= 0) select(first, 'center');
  });
  if (model.steps === 0) {
    grid.render();
    showStepInfo(model, -1);
  }
  select(first >= 0 ? first : 0, 'center');
  if (grid.culprits.size > 0) grid.revealLane(Math.min(...grid.culprits));
  grid.grid.focus({ preventScroll: true });
  // bootMs: decoding and first render; readyMs: since navigation started (parse included).
  window.lockchartReport = { model, select, bootMs: performance.now() - started,
    readyMs: performance.now() };
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
