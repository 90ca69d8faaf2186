/*
 * Search by domain (a VM's name) or disk (`disk1`, or any path that reaches it): the steps that
 * concern it are marked in the grid and the minimap and `n`/`N` walk through them; its lanes
 * are highlighted. Anything else is looked up as text in the step descriptions and notes.
 */

/** A whole-word, case-insensitive pattern (`vm1` matches `vm1@h0`, not `vm10`). */
function wordPattern(word) {
  const quoted = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w])${quoted}(?!\\w)`, 'i');
}

/** Adds to `hits` the steps whose description or notes match `re` (anything with `test`). */
function textHits(model, re, hits) {
  const described = model.raw.descriptions.map((text) => re.test(text));
  for (let step = 0; step < model.steps; step++) {
    if (described[model.description[step]]) hits.add(step);
  }
  for (const [step, texts] of model.notes) {
    if (texts.some((text) => re.test(model.raw.texts[text]))) hits.add(step);
  }
}

/** A VM: steps naming it, and steps that delivered an event to its domain or QEMU anywhere. */
function vmSearch(model, vm) {
  const hits = new Set();
  const name = model.raw.vmNames[vm];
  textHits(model, wordPattern(name), hits);
  // Notes name VMs by index.
  if (name !== `vm${vm}`) textHits(model, wordPattern(`vm${vm}`), hits);
  for (let step = 0; step < model.steps; step++) {
    for (let i = model.eventStart[step]; i < model.eventStart[step + 1]; i++) {
      if (Math.floor((model.events[2 * i] >> 1) / model.hosts) === vm) hits.add(step);
    }
  }
  const lanes = model.lanes.filter((lane) => lane.vm === vm).map((lane) => lane.index);
  return { hits, lanes, label: `VM ${name}` };
}

/** A disk: steps naming it, its writes, and every change of who holds its lock or writes it. */
function diskSearch(model, disk) {
  const hits = new Set();
  textHits(model, wordPattern(`disk${disk}`), hits);
  const lane = findLane(model, 'disk', -1, -1, disk);
  for (const start of lane.starts) hits.add(start);
  for (const [step, disks] of model.writesAt) if (disks.includes(disk)) hits.add(step);
  return { hits, lanes: [lane.index], label: `disk${disk} (${model.raw.diskPaths[disk]})` };
}

/** What a query finds: a VM by name, a disk by name or path, else text. Null when empty. */
function findMatches(model, query) {
  const q = query.trim();
  if (q === '') return null;
  const vm = model.raw.vmNames.findIndex((name) => name.toLowerCase() === q.toLowerCase());
  if (vm >= 0) return vmSearch(model, vm);
  const disk = /disk(\d+)(?:\.img)?$/i.exec(q);
  if (disk && Number(disk[1]) < model.raw.diskPaths.length) {
    return diskSearch(model, Number(disk[1]));
  }
  const hits = new Set();
  const lower = q.toLowerCase();
  textHits(model, { test: (text) => text.toLowerCase().includes(lower) }, hits);
  return { hits, lanes: [], label: `“${q}”` };
}

/** `handlers.results(steps, lanes)` on every search; `handlers.next(dir)` on Enter. */
function createSearch(model, handlers) {
  const input = document.getElementById('search');
  const status = document.getElementById('search-status');
  let timer = 0;

  function run() {
    timer = 0;
    const found = findMatches(model, input.value);
    if (!found) {
      status.textContent = '';
      handlers.results(new Int32Array(0), new Set());
      return;
    }
    const steps = Int32Array.from(found.hits).sort();
    status.textContent = steps.length === 0 ? `no step concerns ${found.label}`
      : `${steps.length.toLocaleString('en-US')} step${steps.length > 1 ? 's' : ''} concern ` +
        `${found.label} — n / N to walk them`;
    handlers.results(steps, new Set(found.lanes));
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 120);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      clearTimeout(timer);
      run();
      handlers.next(event.shiftKey ? -1 : 1);
      event.preventDefault();
    } else if (event.key === 'Escape') {
      input.blur();
      document.getElementById('grid').focus();
    }
    event.stopPropagation();
  });
}
