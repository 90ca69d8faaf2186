/*
 * The timeline grid: one row per step (time runs down), one column per lane. Only what is
 * visible is in the DOM — the rows in view and, across, the lanes in view — so a trace of any
 * length costs the same to draw; scrolling redraws the visible window on the next frame.
 */

const ROW_H = 22;
const LEFT_W = 22 + 64 + 100 + 310;
const OVERSCAN = 6;
const GROUP_NAMES = {
  host: 'host', domain: 'libvirtd', proc: 'qemu', lockd: 'lock daemon', disk: 'disks',
};

/** The lanes shown, where each starts across (by lane index), and the full width. */
function gridLayout(lanes) {
  let x = LEFT_W;
  const laneX = new Map();
  for (const lane of lanes) {
    laneX.set(lane.index, x);
    x += LANE_WIDTH[lane.kind];
  }
  return { lanes, laneX, total: x };
}

/** One header row of groups: consecutive lanes with the same key share a cell. */
function groupRowHtml(lanes, keyOf, labelOf, extraClass) {
  const cells = [];
  for (const lane of lanes) {
    const last = cells[cells.length - 1];
    if (last && last.key === keyOf(lane)) last.width += LANE_WIDTH[lane.kind];
    else cells.push({ key: keyOf(lane), lane, width: LANE_WIDTH[lane.kind] });
  }
  return cells.map((c) => {
    const label = esc(labelOf(c.lane));
    return `<div class="h group ${extraClass}" style="width:${c.width}px" title="${label}">` +
      `<span class="sticky">${label}</span></div>`;
  }).join('');
}

/** The three header rows: hosts, lane groups, lane names (search hits and culprits marked). */
function headerHtml(lanes, laneHits, culprits) {
  const hostRow = groupRowHtml(lanes, (l) => l.host,
    (l) => (l.host < 0 ? 'shared storage' : `host h${l.host}`), 'host');
  const groupRow = groupRowHtml(lanes, (l) => `${l.host}/${l.kind}`,
    (l) => GROUP_NAMES[l.kind], '');
  const laneRow = lanes.map((lane) => {
    const classes = ['h'];
    if (laneHits.has(lane.index)) classes.push('lane-hit');
    if (culprits.has(lane.index)) classes.push('culprit');
    const title = culprits.has(lane.index) ? ' title="named by the violation"' : '';
    return `<div class="${classes.join(' ')}" style="width:${LANE_WIDTH[lane.kind]}px"${title}>` +
      `${esc(lane.label)}</div>`;
  }).join('');
  const left = (text) => `<div class="left" style="width:${LEFT_W}px"><span>${text}</span></div>`;
  return `<div class="hrow">${left('')}${hostRow}</div>` +
    `<div class="hrow">${left('')}${groupRow}</div>` +
    `<div class="hrow">${left('<b>step · time · what happened</b>')}${laneRow}</div>`;
}

/** The row classes and mark of a step. */
function rowLook(model, view, step) {
  const classes = ['row'];
  let mark = '';
  if (model.writesAt.has(step)) {
    classes.push('write');
    mark = '✎';
  }
  if (model.faultsAt.has(step)) {
    classes.push('fault');
    mark = '⚡';
  }
  if (step === model.violationStep || step === model.livenessStep) {
    classes.push('violation');
    mark = '✖';
  }
  if (step === model.raw.healStart) classes.push('heal');
  if (view.hits[step]) classes.push('hit');
  if (step === view.selected) classes.push('sel');
  return { classes, mark };
}

/** One step's row: the sticky left block, a spacer for the lanes scrolled past, the cells. */
function rowHtml(model, layout, view, step, top, lanes, spacer) {
  const { classes, mark } = rowLook(model, view, step);
  const notes = model.notes.get(step);
  const badge = notes ? `<span class="note-badge">+${notes.length} note` +
    `${notes.length > 1 ? 's' : ''}</span>` : '';
  const description = model.raw.descriptions[model.description[step]];
  const cells = lanes.map((lane) => cellHtml(model, lane, step, step === top,
    view.laneHits.has(lane.index))).join('');
  return `<div class="${classes.join(' ')}" data-step="${step}" style="top:${step * ROW_H}px;` +
    `width:${layout.total}px"><div class="left" style="width:${LEFT_W}px">` +
    `<span class="mark">${mark}</span><span class="num">${step}</span>` +
    `<span class="t">${formatTime(model.time[step])}</span>` +
    `<span class="desc" title="${esc(description)}">${esc(description)}${badge}</span></div>` +
    `<div style="width:${spacer}px;flex:none"></div>${cells}</div>`;
}

function createGrid(model, onSelect) {
  const grid = document.getElementById('grid');
  const head = document.getElementById('grid-head');
  const body = document.getElementById('grid-body');
  const found = model.raw.verdict.violation ?? model.raw.verdict.liveness;
  const culprits = found ? lanesNamedIn(model, found.message) : new Set();
  const view = { selected: -1, hits: new Uint8Array(model.steps), laneHits: new Set(), frame: 0,
    focus: false };
  let layout = gridLayout(model.lanes);
  body.style.height = `${model.steps * ROW_H}px`;
  grid.style.setProperty('--left', `${LEFT_W}px`);

  /** Lays the lanes out again: all, or (focus) only those the violation or search marks. */
  function relayout() {
    const marked = new Set([...culprits, ...view.laneHits]);
    layout = gridLayout(view.focus && marked.size > 0
      ? model.lanes.filter((lane) => marked.has(lane.index)) : model.lanes);
    body.style.width = head.style.width = `${layout.total}px`;
    head.innerHTML = headerHtml(layout.lanes, view.laneHits, culprits);
    render();
  }
  const viewRows = () => Math.max(1, Math.floor((grid.clientHeight - head.offsetHeight) / ROW_H));
  const firstVisible = () => Math.min(model.steps - 1, Math.ceil(grid.scrollTop / ROW_H));

  function render() {
    view.frame = 0;
    if (model.steps === 0) {
      body.innerHTML = '<div class="help">The trace has no steps.</div>';
      return;
    }
    const top = firstVisible();
    const from = Math.max(0, top - OVERSCAN);
    const to = Math.min(model.steps, top + viewRows() + OVERSCAN);
    const left = grid.scrollLeft + LEFT_W;
    const right = grid.scrollLeft + grid.clientWidth;
    const x = (lane) => layout.laneX.get(lane.index);
    const lanes = layout.lanes.filter((lane) => x(lane) + LANE_WIDTH[lane.kind] > left &&
      x(lane) < right);
    const spacer = lanes.length > 0 ? x(lanes[0]) - LEFT_W : 0;
    let html = '';
    for (let step = from; step < to; step++) {
      html += rowHtml(model, layout, view, step, top, lanes, spacer);
    }
    body.innerHTML = html;
  }

  /** Scrolls `step` into view: centred, or just enough to show it (`nearest`). */
  function reveal(step, how) {
    const rows = viewRows();
    const top = firstVisible();
    if (how === 'nearest' && step >= top && step < top + rows) return;
    const target = how !== 'nearest' ? step * ROW_H - ((rows - 1) * ROW_H) / 2
      : step >= top + rows ? (step + 1 - rows) * ROW_H : step * ROW_H;
    grid.scrollTop = Math.max(0, target);
  }

  const schedule = () => {
    if (!view.frame) view.frame = requestAnimationFrame(render);
  };
  body.addEventListener('click', (event) => {
    const row = event.target.closest('.row');
    if (row) onSelect(Number(row.dataset.step), 'nearest');
  });
  grid.addEventListener('scroll', schedule);
  window.addEventListener('resize', schedule);
  relayout();
  return {
    grid, viewRows, firstVisible, render, culprits,
    select(step, how) {
      view.selected = step;
      reveal(step, how);
      render();
    },
    setHits(steps, laneHits) {
      view.hits.fill(0);
      for (const step of steps) view.hits[step] = 1;
      view.laneHits = laneHits;
      relayout();
    },
    /** Shows only the marked lanes (on), or all of them; returns whether focus is on. */
    toggleFocus() {
      view.focus = !view.focus;
      relayout();
      return view.focus;
    },
    /** Scrolls across so that lane `index` is in view (search results, the violation). */
    revealLane(index) {
      if (!layout.laneX.has(index)) return;
      const at = layout.laneX.get(index) - LEFT_W;
      if (at < grid.scrollLeft || at + 150 > grid.scrollLeft + grid.clientWidth - LEFT_W) {
        grid.scrollLeft = Math.max(0, at - 20);
      }
    },
  };
}
