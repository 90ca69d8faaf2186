/*
 * The whole trace in one strip beside the grid: faults (orange), violations (red), the heal
 * phase (green), search matches (blue) and the window in view (grey). A click jumps there.
 */

function createMinimap(model, grid, onJump) {
  const canvas = document.getElementById('minimap');
  const state = { hits: [], frame: 0 };

  function draw() {
    state.frame = 0;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    if (model.steps === 0) return;
    const y = (step) => Math.floor((step / model.steps) * height);
    if (model.raw.healStart >= 0) {
      g.fillStyle = '#c8e6c9';
      g.fillRect(0, y(model.raw.healStart), width, height - y(model.raw.healStart));
    }
    const ticks = (steps, colour, x, w) => {
      g.fillStyle = colour;
      for (const step of steps) g.fillRect(x, y(step), w, 1);
    };
    ticks(state.hits, '#1e6fd9', 0, width / 2);
    ticks(model.faultSteps, '#e8590c', width / 2, width / 2);
    g.fillStyle = 'rgba(60, 64, 67, 0.25)';
    const top = grid.firstVisible();
    g.fillRect(0, y(top), width, Math.max(2, y(top + grid.viewRows()) - y(top)));
    g.fillStyle = '#c2185b';
    for (const step of model.violationSteps) g.fillRect(0, Math.max(0, y(step) - 1), width, 3);
  }

  function schedule() {
    if (!state.frame) state.frame = requestAnimationFrame(draw);
  }

  canvas.addEventListener('click', (event) => {
    const rect = canvas.getBoundingClientRect();
    const step = Math.floor(((event.clientY - rect.top) / rect.height) * model.steps);
    onJump(Math.max(0, Math.min(model.steps - 1, step)));
  });
  grid.grid.addEventListener('scroll', schedule);
  window.addEventListener('resize', schedule);
  return {
    draw,
    setHits(steps) {
      state.hits = steps;
      schedule();
    },
  };
}
