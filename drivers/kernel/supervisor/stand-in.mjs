// The VM stand-in: what QEMU is to libvirt, reduced to what lock safety is about. Plain .mjs on
// purpose: it starts in ~50 ms (no TypeScript loader) and needs nothing but Node.
//
//   node stand-in.mjs --owner <pid> [--interval <ms>] [--disk <path>]...
//
// It opens every disk for writing and starts *paused* (QEMU's -S). While running it appends one
// tagged record per disk every <interval> ms (0 = only on command), past byte 4096, far from the
// lock on byte 0 and QEMU's image locks at bytes 100+. A record is one line, one write(2) on an
// O_APPEND descriptor, so file order is write order (read back by records.ts):
//   LCREC {"owner":<pid>,"writer":<pid>,"seq":<n>,"t":"<CLOCK_MONOTONIC ns>"}
// Commands, one per line on stdin, each answered by one line on stdout ("ok …" / "err …"):
//   cont | stop | write <n> (only while running) | flush <n> (even paused: in-flight I/O)
//   | close <disk index> | ping
//   | open <path> (one more disk, hotplug; answers its index) | put <disk index> (one record on
//     that disk only, only while running)
//   | trylock <disk index> ofd|posix, unlock <disk index> ofd|posix: the guest's own try at the
//     lock on byte 0 (exclusive) or at dropping it, through a fresh descriptor it closes again
//     ("got"/"busy", "done"): what a guest with no lock connection can do about the locks.
// It exits when stdin reaches EOF: its supervisor died or let go of it, and a VM never outlives
// its supervisor. SIGSTOP/SIGCONT are the kernel's business; a stopped stand-in writes nothing.
import { closeSync, fstatSync, openSync, writeSync, constants } from 'node:fs';
import { createRequire } from 'node:module';

const RECORD_OFFSET = 4096;

function parseArgs(argv) {
  const options = { owner: 0, interval: 0, disks: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value after ${flag}`);
    if (flag === '--owner') options.owner = Number(value);
    else if (flag === '--interval') options.interval = Number(value);
    else if (flag === '--disk') options.disks.push(value);
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

/** Opens a disk for appending; records land past RECORD_OFFSET, and the disk never shrinks. */
function openDisk(path) {
  const raw = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
  try {
    // Writing one zero byte at offset 4095 only ever grows the file (a positional write on an
    // O_APPEND descriptor would append on Linux, hence the separate descriptor).
    if (fstatSync(raw).size < RECORD_OFFSET) {
      writeSync(raw, Buffer.alloc(1), 0, 1, RECORD_OFFSET - 1);
    }
  } finally {
    closeSync(raw);
  }
  const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW;
  return { path, fd: openSync(path, flags), seq: 0 };
}

function openDisks(paths) {
  try {
    return paths.map(openDisk);
  } catch (error) {
    // Say why, on the channel the supervisor reads, instead of dying with a stack trace.
    process.stdout.write(`err start ${error.code ?? error.message} ${error.path ?? ''}\n`);
    process.exit(1);
  }
}

const options = parseArgs(process.argv.slice(2));
const disks = openDisks(options.disks);
let running = false;
let timer = null;

function writeRecord(disk) {
  disk.seq += 1;
  const record = { owner: options.owner, writer: process.pid, seq: disk.seq,
    t: process.hrtime.bigint().toString() };
  writeSync(disk.fd, `LCREC ${JSON.stringify(record)}\n`);
}

function writeRecords(count) {
  let written = 0;
  for (let n = 0; n < count; n++) {
    for (const disk of disks) {
      if (disk.fd === null) continue;
      writeRecord(disk);
      written += 1;
    }
  }
  return written;
}

// The lock primitives, loaded on first use only: a stand-in that never tries a lock starts as
// fast as before. (Found through NODE_PATH when the supervisor runs bundled.)
const require = createRequire(import.meta.url);
const primitives = {
  ofd: {
    lock: (fd) => require('fs-native-extensions/binding').tryLock(fd, 0, 1, true),
    unlock: (fd) => require('fs-native-extensions/binding').unlock(fd, 0, 1),
  },
  posix: {
    lock: (fd) => fcntl(fd, 'F_WRLCK'),
    unlock: (fd) => fcntl(fd, 'F_UNLCK'),
  },
};

function fcntl(fd, type) {
  const fsExt = require('fs-ext-extra-prebuilt');
  fsExt.fcntlSync(fd, 'setlk', fsExt.constants[type], 0, 1);
}

/** The guest's own try at the lock: a fresh descriptor of the disk, one call, closed again. */
function tryOwn(arg, kind, op) {
  const disk = disks[Number(arg)];
  const primitive = primitives[kind];
  if (!disk || !primitive) return `err ${op} bad arguments`;
  const fd = openSync(disk.path, constants.O_RDWR | constants.O_NOFOLLOW);
  try {
    if (op === 'unlock') {
      primitive.unlock(fd);
      return 'ok unlock done';
    }
    primitive.lock(fd);
    return 'ok trylock got';
  } catch (error) {
    if (error.code === 'EAGAIN' || error.code === 'EACCES') return 'ok trylock busy';
    throw error;
  } finally {
    closeSync(fd);
  }
}

function setRunning(value) {
  running = value;
  if (timer !== null) clearInterval(timer);
  timer = running && options.interval > 0
    ? setInterval(() => writeRecords(1), options.interval)
    : null;
}

function handle(line) {
  const [command, arg, extra] = line.trim().split(/\s+/);
  const count = Number(arg ?? 1);
  switch (command) {
    case 'open':
      disks.push(openDisk(line.slice(line.indexOf('open ') + 5)));
      return `ok open ${disks.length - 1}`;
    case 'put': {
      const disk = disks[count];
      if (!running) return 'err put paused';
      if (!disk || disk.fd === null) return `err put no open disk ${arg}`;
      writeRecord(disk);
      return 'ok put 1';
    }
    case 'trylock':
    case 'unlock':
      return tryOwn(arg, extra, command);
    case 'cont': setRunning(true); return 'ok cont';
    case 'stop': setRunning(false); return 'ok stop';
    case 'write':
      if (!running) return 'err write paused';
      return `ok write ${writeRecords(count)}`;
    case 'flush': return `ok flush ${writeRecords(count)}`;
    case 'close': {
      const disk = disks[count];
      if (!disk || disk.fd === null) return `err close no open disk ${arg}`;
      closeSync(disk.fd);
      disk.fd = null;
      return `ok close ${count}`;
    }
    case 'ping': return `ok ping ${running ? 'running' : 'paused'}`;
    default: return `err ${command} unknown command`;
  }
}

function reply(text) {
  try {
    writeSync(1, `${text}\n`);
  } catch {
    process.exit(0); // nobody listens any more: the supervisor is gone
  }
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let end;
  while ((end = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    let answer;
    try {
      answer = handle(line);
    } catch (error) {
      answer = `err ${line.split(' ')[0]} ${error.code ?? error.message}`;
    }
    reply(answer);
  }
});
process.stdin.on('end', () => process.exit(0));
reply(`ready ${process.pid}`);
