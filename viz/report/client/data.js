/*
 * Decoding the embedded report data (see viz/report/model.ts) into typed arrays, and the
 * lookups every view uses: a lane's value at a step (binary search over its segments), the
 * events and notes of a step, the sorted step lists of faults and violations.
 */

/** Running sums of a delta-encoded list, as an Int32Array. */
function undelta(deltas) {
  const out = new Int32Array(deltas.length);
  let value = 0;
  for (let i = 0; i < deltas.length; i++) {
    value += deltas[i];
    out[i] = value;
  }
  return out;
}

/** The report model the views read. */
function decodeReport(raw) {
  const steps = raw.steps;
  const lanes = raw.lanes.map((lane, index) => {
    const segments = raw.segments[index];
    return {
      ...lane,
      index,
      starts: undelta(segments.starts),
      values: Int32Array.from(segments.values),
      pids: segments.pids ? undelta(segments.pids) : null,
    };
  });
  const eventStart = new Int32Array(steps + 1);
  for (let i = 0; i < steps; i++) eventStart[i + 1] = eventStart[i] + raw.eventCounts[i];
  const notes = new Map();
  let noteStep = 0;
  for (const [delta, ...texts] of raw.notes) {
    noteStep += delta;
    notes.set(noteStep, texts);
  }
  const faultsAt = new Map();
  for (const [step, text, host, vm] of raw.faults) {
    if (!faultsAt.has(step)) faultsAt.set(step, []);
    faultsAt.get(step).push({ name: raw.texts[text], host, vm });
  }
  const writesAt = new Map();
  for (const [step, disk] of raw.writes) {
    if (!writesAt.has(step)) writesAt.set(step, []);
    writesAt.get(step).push(disk);
  }
  const found = [raw.verdict.violation, raw.verdict.liveness].filter(Boolean);
  return {
    raw,
    steps,
    hosts: raw.hosts,
    lanes,
    time: undelta(raw.time),
    description: Int32Array.from(raw.description),
    eventStart,
    events: Int32Array.from(raw.events),
    notes,
    faultsAt,
    writesAt,
    faultSteps: Int32Array.from([...faultsAt.keys()]),
    violationSteps: Int32Array.from(found.map((v) => v.step).filter((s) => s < steps)),
    violationStep: raw.verdict.violation ? raw.verdict.violation.step : -1,
    livenessStep: raw.verdict.liveness ? raw.verdict.liveness.step : -1,
  };
}

/** Index of the segment of `lane` in force at `step` (-1 before its first segment). */
function segmentAt(lane, step) {
  const starts = lane.starts;
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid] <= step) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The table entry a lane holds at `step`, with the pid of a process lane. */
function laneValue(model, lane, step) {
  const at = segmentAt(lane, step);
  if (at < 0) return { at, value: null, pid: 0, start: false };
  const table = model.raw.tables[lane.kind];
  return {
    at,
    value: table[lane.values[at]],
    pid: lane.pids ? lane.pids[at] : 0,
    start: lane.starts[at] === step,
  };
}

/** The lane of a kind for a (vm, host) slot, or a host's or a disk's lane. */
function findLane(model, kind, host, vm, disk) {
  return model.lanes.find((lane) => lane.kind === kind && lane.host === host &&
    lane.vm === vm && lane.disk === disk);
}

/**
 * The lanes a violation message names (`pid 118 (vm0@h1) … disk0`): that VM's domain and QEMU
 * on that host, and the disk. The page marks them and scrolls them into view.
 */
function lanesNamedIn(model, message) {
  const lanes = new Set();
  for (const [, name, host] of message.matchAll(/([\w.-]+)@h(\d+)/g)) {
    const vm = model.raw.vmNames.indexOf(name);
    for (const lane of model.lanes) {
      if (vm >= 0 && lane.vm === vm && lane.host === Number(host)) lanes.add(lane.index);
    }
  }
  for (const [, disk] of message.matchAll(/\bdisk(\d+)\b/g)) {
    const lane = findLane(model, 'disk', -1, -1, Number(disk));
    if (lane) lanes.add(lane.index);
  }
  return lanes;
}

/** `vm1@h0` for a slot. */
function slotName(model, slot) {
  const vm = Math.floor(slot / model.hosts);
  return `${model.raw.vmNames[vm] ?? `vm${vm}`}@h${slot % model.hosts}`;
}

/** The events a step delivered: `{ slot, process, text }` in delivery order. */
function stepEvents(model, step) {
  const out = [];
  for (let i = model.eventStart[step]; i < model.eventStart[step + 1]; i++) {
    const target = model.events[2 * i];
    out.push({ slot: target >> 1, process: (target & 1) === 1,
      text: model.raw.texts[model.events[2 * i + 1]] });
  }
  return out;
}

/** The first entry of a sorted list after (`dir` 1) or before (`dir` -1) `step`, or -1. */
function neighbour(sorted, step, dir) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (dir > 0 ? sorted[mid] <= step : sorted[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  const at = dir > 0 ? lo : lo - 1;
  return at >= 0 && at < sorted.length ? sorted[at] : -1;
}

/** Virtual time for a cell: milliseconds, or seconds once they get long. */
function formatTime(ms) {
  return ms < 100000 ? `${ms} ms` : `${(ms / 1000).toFixed(3)} s`;
}

/** Text safe inside HTML. */
function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
