/*
 * The statechart panel: a card per actor at the selected step — every domain (libvirtd's
 * statechart of a VM on a host, `vm1@h0`) and every QEMU process (`qemu:104`). Each card holds
 * a clone of the chart laid out once at build time; moving to another step only toggles the
 * `active` class on its `state:<path>` elements. Clones are made when a card first scrolls
 * into view, so a world with many VMs stays quick to open.
 */

function createCharts(model) {
  const container = document.getElementById('cards');

  const templates = {
    domain: document.getElementById('chart-domain'),
    process: document.getElementById('chart-process'),
  };
  const sizes = {};
  for (const [kind, template] of Object.entries(templates)) {
    const box = template.content.querySelector('svg').getAttribute('viewBox').split(/\s+/);
    sizes[kind] = { width: Number(box[2]), height: Number(box[3]) };
  }
  const cards = new Map();
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) instantiate(cards.get(entry.target.dataset.actor));
    }
  }, { root: container, rootMargin: '300px' });

  function makeCard(key, kind) {
    const el = document.createElement('div');
    el.className = 'card';
    el.dataset.actor = key;
    el.dataset.kind = kind;
    el.innerHTML = '<div class="card-head" title="click to zoom"><span class="who"></span>' +
      '<span class="what"></span><span class="state"></span></div><div class="chart"></div>';
    const size = sizes[kind];
    const chart = el.querySelector('.chart');
    chart.style.aspectRatio = `${size.width} / ${size.height}`;
    const card = { key, kind, el, chart, states: null, lit: new Set(), wanted: [], zoomed: false };
    el.querySelector('.card-head').addEventListener('click', () => zoom(card));
    cards.set(key, card);
    observer.observe(el);
    return card;
  }

  /** Clones the chart into the card and indexes its state elements by path. */
  function instantiate(card) {
    if (!card || card.states) return;
    const svg = templates[card.kind].content.querySelector('svg').cloneNode(true);
    card.states = new Map();
    for (const el of svg.querySelectorAll('[id]')) {
      const id = el.getAttribute('id');
      if (id.startsWith('state:')) {
        el.dataset.state = id.slice('state:'.length);
        card.states.set(el.dataset.state, el);
      }
      // Clones share ids; keep them unique in the document by dropping them.
      el.removeAttribute('id');
    }
    card.chart.style.aspectRatio = '';
    // A small chart (the process machine) is not blown up past its natural size.
    svg.style.maxWidth = `${(sizes[card.kind].width * 4) / 3}px`;
    card.chart.appendChild(svg);
    card.lit = new Set();
    light(card, card.wanted);
  }

  function light(card, paths) {
    card.wanted = paths;
    if (!card.states) return;
    const next = new Set(paths);
    for (const path of card.lit) if (!next.has(path)) card.states.get(path)?.classList.remove('active');
    for (const path of next) if (!card.lit.has(path)) card.states.get(path)?.classList.add('active');
    card.lit = next;
  }

  function zoom(card) {
    instantiate(card);
    card.zoomed = !card.zoomed;
    card.el.classList.toggle('zoomed', card.zoomed);
    const svg = card.chart.querySelector('svg');
    if (svg) {
      svg.style.width = card.zoomed ? `${(sizes[card.kind].width * 4) / 3}px` : '';
      svg.style.maxWidth = card.zoomed ? 'none' : `${(sizes[card.kind].width * 4) / 3}px`;
    }
  }

  /** The actors alive at `step`: domains of every VM on every host, then live processes. */
  function actorsAt(step) {
    const actors = [];
    for (const lane of model.lanes) {
      if (lane.kind !== 'domain' && lane.kind !== 'proc') continue;
      const { value, pid } = laneValue(model, lane, step);
      const where = `${model.raw.vmNames[lane.vm]}@h${lane.host}`;
      if (lane.kind === 'domain') {
        const state = model.raw.domainStates[value];
        actors.push({ key: where, kind: 'domain', who: where, what: 'libvirtd domain', state });
      } else if (value) {
        const state = model.raw.processStates[value[0]];
        actors.push({ key: `qemu:${pid}`, kind: 'process', who: `qemu ${pid}`,
          what: `${where}${value[2] ? ' · died in this step' : ''}`, state, gone: value[2] === 1 });
      }
    }
    return actors;
  }

  /** The actors a step delivered events to, by card key, in delivery order. */
  function touchedAt(step) {
    const keys = [];
    for (const event of stepEvents(model, step)) {
      const where = slotName(model, event.slot);
      let key = where;
      if (event.process) {
        const lane = findLane(model, 'proc', event.slot % model.hosts,
          Math.floor(event.slot / model.hosts), -1);
        key = `qemu:${laneValue(model, lane, step).pid}`;
      }
      if (!keys.includes(key)) keys.push(key);
    }
    return keys;
  }

  return {
    show(step) {
      const actors = actorsAt(step);
      const touched = touchedAt(step);
      const rank = (actor) => {
        const at = touched.indexOf(actor.key);
        return at < 0 ? touched.length : at;
      };
      actors.sort((a, b) => rank(a) - rank(b));
      const keep = new Set(actors.map((actor) => actor.key));
      for (const [key, card] of cards) {
        if (!keep.has(key)) {
          observer.unobserve(card.el);
          card.el.remove();
          cards.delete(key);
        }
      }
      for (const actor of actors) {
        const card = cards.get(actor.key) ?? makeCard(actor.key, actor.kind);
        card.el.querySelector('.who').textContent = actor.who;
        card.el.querySelector('.what').textContent = actor.what;
        card.el.querySelector('.state').textContent = actor.state.paths
          .filter((path) => !actor.state.paths.some((other) => other.startsWith(`${path}.`)))
          .join(' · ');
        card.el.classList.toggle('touched', touched.includes(actor.key));
        card.el.classList.toggle('gone', actor.gone === true);
        light(card, actor.state.paths);
        container.appendChild(card.el);
      }
    },
  };
}
