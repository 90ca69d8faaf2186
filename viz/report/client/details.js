/*
 * The selected step, in words: what happened, when, the fault or violation it is, the notes the
 * simulator recorded, and every event it delivered to a statechart, in order.
 */

function showStepInfo(model, step) {
  const info = document.getElementById('step-info');
  if (step < 0 || step >= model.steps) {
    info.innerHTML = '<div class="help">No step selected.</div>';
    return;
  }
  const parts = [];
  const description = model.raw.descriptions[model.description[step]];
  parts.push(`<h2>Step ${step} <span class="when">· t = ${formatTime(model.time[step])}` +
    '</span></h2>');
  parts.push(`<div class="ev">${esc(description)}</div>`);
  for (const fault of model.faultsAt.get(step) ?? []) {
    parts.push(`<div class="fault-msg">⚡ fault injected: ${esc(fault.name)}</div>`);
  }
  const { violation, liveness } = model.raw.verdict;
  for (const found of [violation, liveness]) {
    if (found && found.step === step) {
      const what = found.kind === 'safety' ? 'VIOLATED' : 'LIVENESS';
      parts.push(`<div class="violation-msg">✖ ${what} ${esc(found.invariant)} ` +
        `${esc(found.checker)}: ${esc(found.message)}</div>`);
    }
  }
  if (step === model.raw.healStart) {
    parts.push('<div>♥ the heal phase begins: no more faults or new workload</div>');
  }
  const notes = model.notes.get(step) ?? [];
  if (notes.length > 0) {
    parts.push('<div class="section">notes</div><ul>' +
      notes.map((text) => `<li>${esc(model.raw.texts[text])}</li>`).join('') + '</ul>');
  }
  const events = stepEvents(model, step);
  if (events.length > 0) {
    parts.push('<div class="section">events delivered to statecharts</div><ul>' +
      events.map((event) => `<li class="ev">${esc(eventTarget(model, step, event))} ← ` +
        `${esc(event.text)}</li>`).join('') + '</ul>');
  }
  parts.push('<div class="section">statecharts after this step (click a title to zoom)</div>');
  info.innerHTML = parts.join('');
}

/** `vm1@h0` for a domain, `qemu 104` for a process. */
function eventTarget(model, step, event) {
  if (!event.process) return slotName(model, event.slot);
  const lane = findLane(model, 'proc', event.slot % model.hosts,
    Math.floor(event.slot / model.hosts), -1);
  return `qemu ${laneValue(model, lane, step).pid}`;
}
