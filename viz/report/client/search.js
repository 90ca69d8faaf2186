/*
 * Search by domain (a VM's name) or disk (`disk1`, or any path that reaches it): the steps that
 * concern it are marked in the grid and the minimap and `n`/`N` walk through them; its lanes
 * are highlighted. Anything else is looked up as text in the step descriptions and notes.
 */

/** `handlers.results(steps, lanes, found)` on every search; `handlers.next(dir)` on Enter. */
function createSearch(model, handlers) {
  const input = document.getElementById('search');
  const status = document.getElementById('search-status');
  let timer = 0;

  const wordRe = (word) => new RegExp(`(^|[^\\w])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` +
    '(?![\\w.])', 'i');

  /** Steps whose description or notes match `re`, into `hits`. */
  function textHits(re, hits) {
    const described = model.raw.descriptions.map((text) => re.test(text));
    for (let step = 0; step < model.steps; step++) {
      if (described[model.description[step]]) hits.add(step);
    }
    for (const [step, texts] of model.notes) {
      if (texts.some((text) => re.test(model.raw.texts[text]))) hits.add(step);
    }
  }

  function vmSearch(vm) {
    const hits = new Set();
    const name = model.raw.vmNames[vm];
    textHits(wordRe(name), hits);
    if (name !== `vm${vm}`) textHits(wordRe(`vm${vm}`), hits);
    for (let step = 0; step < model.steps; step++) {
      for (let i = model.eventStart[step]; i < model.eventStart[step + 1]; i++) {
        if (Math.floor((model.events[2 * i] >> 1) / model.hosts) === vm) hits.add(step);
      }
    }
    const lanes = model.lanes.filter((lane) => lane.vm === vm).map((lane) => lane.index);
    return { hits, lanes, label: `VM ${name}` };
  }

  function diskSearch(disk) {
    const hits = new Set();
    textHits(wordRe(`disk${disk}`), hits);
    const lane = findLane(model, 'disk', -1, -1, disk);
    for (const start of lane.starts) hits.add(start);
    for (const [step, disks] of model.writesAt) if (disks.includes(disk)) hits.add(step);
    return { hits, lanes: [lane.index], label: `disk${disk} (${model.raw.diskPaths[disk]})` };
  }

  function find(query) {
    const q = query.trim();
    if (q === '') return null;
    const vm = model.raw.vmNames.findIndex((name) => name.toLowerCase() === q.toLowerCase());
    if (vm >= 0) return vmSearch(vm);
    const disk = /(?:^|[^\w])?disk(\d+)(?:\.img)?$/i.exec(q);
    if (disk && Number(disk[1]) < model.raw.diskPaths.length) return diskSearch(Number(disk[1]));
    const hits = new Set();
    const lower = q.toLowerCase();
    textHits({ test: (text) => text.toLowerCase().includes(lower) }, hits);
    return { hits, lanes: [], label: `“${q}”` };
  }

  function run() {
    timer = 0;
    const found = find(input.value);
    if (!found) {
      status.textContent = '';
      handlers.results(new Int32Array(0), new Set(), null);
      return;
    }
    const steps = Int32Array.from(found.hits).sort();
    status.textContent = steps.length === 0 ? `no step concerns ${found.label}`
      : `${steps.length.toLocaleString('en-US')} step${steps.length > 1 ? 's' : ''} concern ` +
        `${found.label} — n / N to walk them`;
    handlers.results(steps, new Set(found.lanes), found);
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
  return { run };
}
