// The reaper (see reaper.ts): it outlives its parent for one purpose — to kill what the parent
// started and remove what it made, when the parent died without doing so itself (SIGKILL, a
// crash). It holds the read end of a pipe from the parent; end of file means the parent is
// gone, for whatever reason. Plain JavaScript, no loader: it starts in tens of milliseconds.
//
// usage: node reaper-main.mjs JOURNAL — the journal's lines are `+ID process PID STARTTIME`,
// `+ID path PATH` and `-ID` (forgotten: the parent cleaned it up itself).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

const journal = process.argv[2];
// Ctrl-C in a terminal reaches the whole foreground group: the parent handles it and cleans
// up; the reaper waits for its end of file like any other end.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});

/** Field 22 of /proc/PID/stat, or null when there is no such (running) process. */
function startTime(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? null : fields[19];
  } catch {
    return null;
  }
}

function reap() {
  let text = '';
  try {
    text = readFileSync(journal, 'utf8');
  } catch {
    // No journal: nothing was ever registered.
  }
  const live = new Map();
  for (const line of text.split('\n')) {
    const match = /^([+-])(\d+)(?: (process|path) (.*))?$/.exec(line);
    if (!match) continue;
    if (match[1] === '-') live.delete(match[2]);
    else live.set(match[2], { kind: match[3], value: match[4] });
  }
  const entries = [...live.values()];
  // Processes first (they may hold files open in the directories), newest first.
  for (const { kind, value } of entries.reverse()) {
    if (kind !== 'process') continue;
    const [pid, start] = value.split(' ');
    // Only if the pid still names the very process registered: pids are reused.
    if (startTime(Number(pid)) !== start) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const { kind, value } of entries) {
    if (kind === 'path') rmSync(value, { recursive: true, force: true });
  }
  rmSync(journal, { force: true });
  rmSync(`${journal}.pid`, { force: true });
}

// Who this reaper is, for the parent's normal exit, which stops it (reaper.ts): written to a
// temporary name and renamed, so the parent never reads half a line.
const self = `${process.pid} ${startTime(process.pid)}\n`;
try {
  writeFileSync(`${journal}.pid.tmp`, self);
  renameSync(`${journal}.pid.tmp`, `${journal}.pid`);
} catch {
  // The parent then waits for this reaper's end of file like any other end.
}

process.stdin.on('data', () => {});
process.stdin.on('end', () => {
  reap();
  process.exit(0);
});
process.stdin.on('error', () => {
  reap();
  process.exit(0);
});
