/*
 * The statechart panel: a card per actor at the selected step — every domain (libvirtd's
 * statechart of a VM on a host, `vm1@h0`) and every QEMU process (`qemu:104`). Each card holds
 * a clone of the chart laid out once at build time; moving to another step only toggles the
 * `active` class on its `state:<path>` elements. Clones are made when a card first scrolls
 * into view, so a world with many VMs stays quick to open.
 */

/** The two embedded charts and their natural sizes (from the viewBox, in points). */
function chartTemplates() {
  const templates = {};
  for (const kind of ['domain', 'process']) {
    const svg = document.getElementById(`chart-${kind}`).content.querySelector('svg');
    const box = svg.getAttribute('viewBox').split(/\s+/);
    templates[kind] = { svg, width: Number(box[2]), height: Number(box[3]) };
  }
  return templates;
}

function makeCard(key, kind, template) {
  const el = document.createElement('div');
  el.className = 'card';
  el.dataset.actor = key;
  el.dataset.kind = kind;
  el.innerHTML = '<div class="card-head" title="click to zoom"><span class="who"></span>' +
    '<span class="what"></span><span class="state"></span></div><div class="chart"></div>';
  const chart = el.querySelector('.chart');
  chart.style.aspectRatio = `${template.width} / ${template.height}`;
  return {
    key, kind, el, chart, template, states: null, lit: new Set(), wanted: [], zoomed: false,
  };
}

/** Clones the chart into the card and indexes its state elements by path. */
function instantiate(card) {
  if (!card || card.states) return;
  const svg = card.template.svg.cloneNode(true);
  card.states = new Map();
  for (const el of svg.querySelectorAll('[id]')) {
    const id = el.getAttribute('id');
    if (id.startsWith('state:')) {
      el.dataset.state = id.slice('state:'.length);
      card.states.set(el.dataset.state, el);
    }
    // Clones share ids; keep the document's unique by dropping them.
    el.removeAttribute('id');
  }
  card.chart.style.aspectRatio = '';
  // A small chart (the process machine) is not blown up past its natural size.
  svg.style.maxWidth = `${(card.template.width * 4) / 3}px`;
  card.chart.appendChild(svg);
  card.lit = new Set();
  light(card, card.wanted);
}

/** Lights exactly `paths` in the card's chart (now, or when it is drawn). */
function light(card, paths) {
  card.wanted = paths;
  if (!card.states) return;
  const next = new Set(paths);
  for (const path of card.lit) {
    if (!next.has(path)) card.states.get(path)?.classList.remove('active');
  }
  for (const path of next) {
    if (!card.lit.has(path)) card.states.get(path)?.classList.add('active');
  }
  card.lit = next;
}

function zoom(card) {
  instantiate(card);
  card.zoomed = !card.zoomed;
  card.el.classList.toggle('zoomed', card.zoomed);
  const svg = card.chart.querySelector('svg');
  const natural = `${(card.template.width * 4) / 3}px`;
  svg.style.width = card.zoomed ? natural : '';
  svg.style.maxWidth = card.zoomed ? 'none' : natural;
}

/** The actors at `step`: the domain of every VM on every host, then the QEMU processes. */
function actorsAt(model, step) {
  const actors = [];
  for (const lane of model.lanes) {
    if (lane.kind !== 'domain' && lane.kind !== 'proc') continue;
    const { value, pid } = laneValue(model, lane, step);
    const where = `${model.raw.vmNames[lane.vm]}@h${lane.host}`;
    if (lane.kind === 'domain') {
      const state = model.raw.domainStates[value];
      actors.push({ key: where, where, kind: 'domain', who: where, what: 'libvirtd domain',
        state });
    } else if (value) {
      const state = model.raw.processStates[value[0]];
      actors.push({ key: `qemu:${pid}`, where, kind: 'process', who: `qemu ${pid}`,
        what: `${where}${value[2] ? ' · died in this step' : ''}`, state, gone: value[2] === 1 });
    }
  }
  return actors;
}

/** The card keys of the actors a step delivered events to, in delivery order. */
function touchedAt(model, step) {
  const keys = [];
  for (const event of stepEvents(model, step)) {
    const target = eventTarget(model, step, event);
    const key = event.process ? target.replace(' ', ':') : target;
    if (!keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** The innermost active states, for a card's title. */
function leafStates(paths) {
  return paths.filter((path) => !paths.some((other) => other.startsWith(`${path}.`)));
}

function createCharts(model) {
  const container = document.getElementById('cards');
  const templates = chartTemplates();
  const cards = new Map();
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) instantiate(cards.get(entry.target.dataset.actor));
    }
  }, { root: container, rootMargin: '300px' });

  function cardFor(actor) {
    let card = cards.get(actor.key);
    if (!card) {
      card = makeCard(actor.key, actor.kind, templates[actor.kind]);
      card.el.querySelector('.card-head').addEventListener('click', () => zoom(card));
      cards.set(actor.key, card);
      observer.observe(card.el);
    }
    return card;
  }

  return {
    /**
     * Shows every actor at `step`: first those a violation at this step names (`named`: VM@host
     * places, outlined red), then those the step touched (outlined), then the rest.
     */
    show(step, named) {
      const actors = actorsAt(model, step);
      const touched = touchedAt(model, step);
      const rank = (actor) => (named.has(actor.where) ? -1 : touched.includes(actor.key)
        ? touched.indexOf(actor.key) : touched.length);
      actors.sort((a, b) => rank(a) - rank(b));
      const keep = new Set(actors.map((actor) => actor.key));
      for (const [key, card] of cards) {
        if (keep.has(key)) continue;
        observer.unobserve(card.el);
        card.el.remove();
        cards.delete(key);
      }
      for (const actor of actors) {
        const card = cardFor(actor);
        card.el.querySelector('.who').textContent = actor.who;
        card.el.querySelector('.what').textContent = actor.what;
        card.el.querySelector('.state').textContent = leafStates(actor.state.paths).join(' · ');
        card.el.classList.toggle('touched', touched.includes(actor.key));
        card.el.classList.toggle('culprit', named.has(actor.where));
        card.el.classList.toggle('gone', actor.gone === true);
        light(card, actor.state.paths);
        container.appendChild(card.el);
      }
    },
  };
}
