/*
 * One lane cell at one step, as HTML. A cell's colour comes from its value, so consecutive rows
 * that share a value read as one bar; the label is drawn only where the bar starts (or at the
 * top of the view), and a line marks the step where the value changed.
 */

const LANE_WIDTH = { host: 86, domain: 100, proc: 112, lockd: 118, disk: 130 };
const DAEMON_FAULTS = new Set(['daemon-crash', 'daemon-reexec', 'host-crash', 'connection-drop']);

/** Whether a fault marks a lane (the host it struck, the VM's lanes there, its daemon). */
function faultHits(fault, lane) {
  if (lane.kind === 'host') return fault.host === lane.host;
  if (lane.kind === 'lockd') return fault.host === lane.host && DAEMON_FAULTS.has(fault.name);
  if (lane.kind === 'domain' || lane.kind === 'proc') {
    return fault.vm === lane.vm && (fault.host === lane.host || fault.host < 0);
  }
  return false;
}

/** The HTML of `lane`'s cell at `step`; `label` forces the label (top row of the view). */
function cellHtml(model, lane, step, label, laneHit) {
  const { value, pid, start } = laneValue(model, lane, step);
  const cell = { classes: ['c'], text: '', title: '', inner: '' };
  if (start) cell.classes.push('start');
  if (laneHit) cell.classes.push('lane-hit');
  CELL_KINDS[lane.kind](model, lane, value, pid, step, cell);
  const faults = model.faultsAt.get(step);
  const fault = faults && faults.find((f) => faultHits(f, lane));
  if (fault) {
    cell.classes.push('fault-here');
    cell.inner += `<span class="glyph fault">⚡</span>`;
    cell.title = `FAULT ${fault.name}${cell.title ? `\n${cell.title}` : ''}`;
  }
  const text = start || label ? `<span class="lbl">${esc(cell.text)}</span>` : '';
  return `<div class="${cell.classes.join(' ')}" style="width:${LANE_WIDTH[lane.kind]}px"` +
    ` title="${esc(cell.title)}">${cell.inner}${text}</div>`;
}

const CELL_KINDS = {
  host(model, lane, value, pid, step, cell) {
    if (!value) return;
    const [timers, ...calls] = value;
    if (calls.length > 0) cell.classes.push('tone-busy');
    cell.text = `${calls.length ? `${calls.length} call${calls.length > 1 ? 's' : ''}` : ''}` +
      `${timers ? ` ◷${timers}` : ''}`;
    cell.title = [
      ...calls.map(([vm, call, orphan]) => `${call} for ${model.raw.vmNames[vm]}` +
        `${orphan ? ' (orphaned: libvirtd stopped waiting)' : ''}`),
      timers ? `${timers} timer(s) pending` : '',
    ].filter(Boolean).join('\n') || 'no lock call in flight';
  },

  domain(model, lane, value, pid, step, cell) {
    const state = model.raw.domainStates[value];
    if (!state) return;
    cell.classes.push(`tone-${state.tone}`);
    cell.text = state.label;
    cell.title = `${model.raw.vmNames[lane.vm]}@h${lane.host} (libvirtd domain)\n` +
      state.paths.join('\n');
  },

  proc(model, lane, value, pid, step, cell) {
    if (!value) {
      cell.title = 'no QEMU process';
      return;
    }
    const [stateIndex, terminating, dead] = value;
    const state = model.raw.processStates[stateIndex];
    cell.classes.push(`tone-${dead ? 'dead' : state.tone}`);
    cell.text = `${pid} ${state.label}${terminating ? ' TERM' : ''}`;
    cell.title = `QEMU pid ${pid} of ${model.raw.vmNames[lane.vm]}@h${lane.host}: ` +
      `${state.label}${terminating ? ' (SIGTERM sent)' : ''}${dead ? ' (died in this step)' : ''}`;
  },

  lockd(model, lane, value, pid, step, cell) {
    if (!value) return;
    const [epoch, ...grants] = value;
    const disks = model.raw.diskPaths.length;
    for (const [disk, owner, mode] of grants) {
      cell.inner += `<i class="bar ${mode}" style="left:${(100 * disk) / disks}%;` +
        `width:${100 / disks}%"></i>`;
    }
    if (grants.length > 0) cell.classes.push('locks');
    cell.text = grants.length > 0
      ? grants.map(([disk, owner, mode]) => `d${disk}:${mode}${owner}`).join(' ')
      : `epoch ${epoch}`;
    cell.title = `lock daemon of h${lane.host}, started ${epoch} time(s)\n` +
      (grants.map(([disk, owner, mode]) => `disk${disk} ${mode === 'X' ? 'exclusive' : 'shared'}` +
        ` for pid ${owner}`).join('\n') || 'holds no lock');
  },

  disk(model, lane, value, pid, step, cell) {
    if (!value) return;
    const [holders, writers] = value;
    holders.forEach(([owner, host, mode], i) => {
      cell.inner += `<i class="bar ${mode}" style="left:${(100 * i) / holders.length}%;` +
        `width:${100 / holders.length}%"></i>`;
    });
    if (holders.length > 0) cell.classes.push('locks');
    if (holders.length > 1 && holders.some((h) => h[2] === 'X')) cell.classes.push('conflict');
    const unlocked = writers.filter((w) => !holders.some((h) => h[0] === w));
    if (unlocked.length > 0) cell.classes.push('unlocked');
    cell.text = holders.map(([owner, host, mode]) => `${mode} ${owner}@h${host}`).join(' ');
    const writes = model.writesAt.get(step);
    if (writes && writes.includes(lane.disk)) cell.inner += '<span class="glyph write">✎</span>';
    cell.title = `disk${lane.disk} ${model.raw.diskPaths[lane.disk]}\n` +
      (holders.map(([owner, host, mode]) => `${mode === 'X' ? 'exclusive' : 'shared'} lock: ` +
        `pid ${owner} via h${host}'s daemon`).join('\n') || 'no lock held') +
      (writers.length ? `\nlive writers: ${writers.join(', ')}` : '') +
      (unlocked.length ? `\nwriting WITHOUT a lock: ${unlocked.join(', ')}` : '');
  },
};
