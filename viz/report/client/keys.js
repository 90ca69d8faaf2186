/*
 * Keyboard navigation. Steps: ↓/j next, ↑/k previous, PageDown/PageUp a screen, Home/End the
 * ends. Jumps: f/F next/previous fault, v/V next/previous violation, n/N next/previous search
 * match. `/` goes to the search box (Escape comes back); `l` shows only the marked lanes.
 */

function bindKeys(model, nav) {
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target instanceof HTMLInputElement) return;
    const page = nav.viewRows();
    const actions = {
      ArrowDown: () => nav.step(1),
      j: () => nav.step(1),
      ArrowUp: () => nav.step(-1),
      k: () => nav.step(-1),
      PageDown: () => nav.step(page),
      PageUp: () => nav.step(-page),
      Home: () => nav.go(0),
      End: () => nav.go(model.steps - 1),
      f: () => nav.jump(model.faultSteps, 1, 'fault'),
      F: () => nav.jump(model.faultSteps, -1, 'fault'),
      v: () => nav.jump(model.violationSteps, 1, 'violation'),
      V: () => nav.jump(model.violationSteps, -1, 'violation'),
      n: () => nav.nextHit(1),
      N: () => nav.nextHit(-1),
      '/': () => document.getElementById('search').focus(),
      l: () => nav.toggleFocus(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
}
