/*
 * The timeline grid: one row per step (time runs down), one column per lane. Only what is
 * visible is in the DOM — the rows in view and, across, the lanes in view — so a trace of any
 * length costs the same to draw; scrolling redraws the visible window on the next frame.
 */

const ROW_H = 22;
const HEAD_ROW_H = 20;
const LEFT_W = 22 + 64 + 84 + 320;
const OVERSCAN = 6;
const GROUP_NAMES = {
  host: 'host', domain: 'libvirtd', proc: 'qemu', lockd: 'lock daemon', disk: 'disks',
};

function createGrid(model, onSelect) {
  const grid = document.getElementById('grid');
  const head = document.getElementById('grid-head');
  const body = document.getElementById('grid-body');
  let x = LEFT_W;
  const laneX = model.lanes.map((lane) => {
    const at = x;
    x += LANE_WIDTH[lane.kind];
    return at;
  });
  const total = x;
  const state = { selected: -1, hits: new Uint8Array(model.steps), laneHits: new Set(), frame: 0 };
  body.style.height = `${model.steps * ROW_H}px`;
  body.style.width = `${total}px`;
  head.style.width = `${total}px`;
  grid.style.setProperty('--left', `${LEFT_W}px`);

  const headHeight = () => head.offsetHeight;
  const viewRows = () => Math.max(1, Math.floor((grid.clientHeight - headHeight()) / ROW_H));
  const firstVisible = () => Math.min(model.steps - 1, Math.ceil(grid.scrollTop / ROW_H));

  function renderHeader() {
    const spans = (keyOf, labelOf, classOf) => {
      const cells = [];
      model.lanes.forEach((lane, i) => {
        const key = keyOf(lane);
        const last = cells[cells.length - 1];
        if (last && last.key === key) last.width += LANE_WIDTH[lane.kind];
        else cells.push({ key, lane, width: LANE_WIDTH[lane.kind], first: i });
      });
      return cells.map((c) => `<div class="h group ${classOf(c.lane)}" style="width:${c.width}px"` +
        ` title="${esc(labelOf(c.lane))}"><span class="sticky">${esc(labelOf(c.lane))}</span></div>`)
        .join('');
    };
    const hostRow = spans((l) => l.host, (l) => (l.host < 0 ? 'shared storage' : `host h${l.host}`),
      () => 'host');
    const groupRow = spans((l) => `${l.host}/${l.kind}`, (l) => GROUP_NAMES[l.kind], () => '');
    const laneRow = model.lanes.map((lane) => `<div class="h ${state.laneHits.has(lane.index)
      ? 'lane-hit' : ''}" style="width:${LANE_WIDTH[lane.kind]}px">${esc(lane.label)}</div>`)
      .join('');
    const left = (text) => `<div class="left" style="width:${LEFT_W}px"><span>${text}</span></div>`;
    head.innerHTML =
      `<div class="hrow">${left('')}${hostRow}</div>` +
      `<div class="hrow">${left('')}${groupRow}</div>` +
      `<div class="hrow">${left('<b>step · time · what happened</b>')}${laneRow}</div>`;
  }

  function rowHtml(step, top, lanes, spacer) {
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
    if (state.hits[step]) classes.push('hit');
    if (step === state.selected) classes.push('sel');
    const notes = model.notes.get(step);
    const badge = notes ? `<span class="note-badge">+${notes.length} note` +
      `${notes.length > 1 ? 's' : ''}</span>` : '';
    const description = model.raw.descriptions[model.description[step]];
    const cells = lanes.map((lane) => cellHtml(model, lane, step, step === top,
      state.laneHits.has(lane.index))).join('');
    return `<div class="${classes.join(' ')}" data-step="${step}" style="top:${step * ROW_H}px;` +
      `width:${total}px"><div class="left" style="width:${LEFT_W}px">` +
      `<span class="mark">${mark}</span><span class="num">${step}</span>` +
      `<span class="t">${formatTime(model.time[step])}</span>` +
      `<span class="desc" title="${esc(description)}">${esc(description)}${badge}</span></div>` +
      `<div style="width:${spacer}px;flex:none"></div>${cells}</div>`;
  }

  function render() {
    state.frame = 0;
    if (model.steps === 0) {
      body.innerHTML = '<div class="help">The trace has no steps.</div>';
      return;
    }
    const top = firstVisible();
    const from = Math.max(0, top - OVERSCAN);
    const to = Math.min(model.steps, top + viewRows() + OVERSCAN);
    const left = grid.scrollLeft + LEFT_W;
    const right = grid.scrollLeft + grid.clientWidth;
    const lanes = model.lanes.filter((lane, i) => laneX[i] + LANE_WIDTH[lane.kind] > left &&
      laneX[i] < right);
    const spacer = lanes.length > 0 ? laneX[lanes[0].index] - LEFT_W : 0;
    let html = '';
    for (let step = from; step < to; step++) html += rowHtml(step, top, lanes, spacer);
    body.innerHTML = html;
  }

  function schedule() {
    if (!state.frame) state.frame = requestAnimationFrame(render);
  }

  /** Scrolls `step` into view: centred, or just enough to show it (`nearest`). */
  function reveal(step, how) {
    const rows = viewRows();
    const top = firstVisible();
    if (how === 'nearest' && step >= top && step < top + rows) return;
    const target = how === 'nearest' && step >= top + rows
      ? (step + 1 - rows) * ROW_H
      : how === 'nearest' ? step * ROW_H : step * ROW_H - ((rows - 1) * ROW_H) / 2;
    grid.scrollTop = Math.max(0, target);
  }

  body.addEventListener('click', (event) => {
    const row = event.target.closest('.row');
    if (row) onSelect(Number(row.dataset.step), 'nearest');
  });
  grid.addEventListener('scroll', schedule);
  window.addEventListener('resize', schedule);
  renderHeader();

  return {
    grid,
    viewRows,
    firstVisible,
    headHeight,
    render,
    select(step, how) {
      state.selected = step;
      reveal(step, how);
      render();
    },
    setHits(steps, laneHits) {
      state.hits.fill(0);
      for (const step of steps) state.hits[step] = 1;
      state.laneHits = laneHits;
      renderHeader();
      render();
    },
    /** Scrolls so that `lane` is in view (search results). */
    revealLane(index) {
      const at = laneX[index] - LEFT_W;
      if (at < grid.scrollLeft || at + 150 > grid.scrollLeft + grid.clientWidth - LEFT_W) {
        grid.scrollLeft = Math.max(0, at - 20);
      }
    },
  };
}
