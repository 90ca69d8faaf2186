/**
 * One running libvirt helper (`helper/host.c`): a process in a mount namespace of its own, with
 * a private /run into which the host's daemon sockets are linked, libvirt.so.0 loaded, and the
 * VM children it forks. Requests are lines with an id; replies come back in any order (a VM's
 * answer can overtake a libvirt call), matched by id.
 *
 * Nothing outlives it: the helper and its VMs die by parent-death signal with this process, and
 * it is registered with the last-resort cleanup (`exit-cleanup.ts`) for exits Node can see.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { ExitStatus } from '../../system/process-state.ts';
import { cleanupOnExit, killQuietly } from '../../system/exit-cleanup.ts';
import { LockError, lockError } from '../../contract/errors.ts';
import type { DomainParams } from '../../contract/params.ts';
import type { ResourceSpec } from '../../contract/resources.ts';
import { ensureHelper } from './build.ts';
import {
  decodeReply,
  decodeString,
  domainParams,
  encodeParams,
  encodeResources,
  encodeString,
  wireResource,
} from './wire.ts';

/** How a helper is started. */
export interface HelperOptions {
  /** Symlinks made in its private /run: `[/run/libvirt/virtlockd-sock, <daemon socket>]`. */
  readonly links: ReadonlyArray<readonly [string, string]>;
  /** Per-request timeout (libvirt itself waits for ever; a timeout leaves the helper unknown). */
  readonly timeoutMs?: number;
  /** Its working directory (a core dump of a crashed VM lands there). */
  readonly cwd?: string;
  /**
   * Extra environment, inherited by its VMs (sanlock.so: libsanlock finds its daemon at
   * `$SANLOCK_RUN_DIR/sanlock.sock`).
   */
  readonly env?: Readonly<Record<string, string>>;
}

/** One operation as `domain_lock.c` makes it: New, AddResource for each, one call, Free. */
export interface DomainCall {
  readonly plugin: number;
  readonly call: 'acquire' | 'release' | 'inquire';
  readonly newFlags?: number;
  readonly flags?: number;
  readonly action?: number;
  readonly state?: string | null;
  readonly params: DomainParams;
  readonly resources: readonly ResourceSpec[];
}

interface Waiter {
  readonly resolve: (fields: readonly string[]) => void;
  readonly reject: (error: LockError) => void;
  readonly timer: NodeJS.Timeout;
}

const STDERR_LINES = 40;

/** A running helper (see the module comment). */
export class LibvirtHelper {
  private nextId = 1;
  private readonly waiters = new Map<string, Waiter>();
  private readonly vmExits = new Map<number, (status: ExitStatus) => void>();
  private readonly stderr: string[] = [];
  private status: ExitStatus | null = null;
  private readonly disposeCleanup: () => void;
  /** Resolves when the helper process has ended. */
  readonly exited: Promise<ExitStatus>;

  private constructor(private readonly child: ChildProcess, readonly pid: number,
    private readonly timeoutMs: number) {
    this.disposeCleanup = cleanupOnExit(() => killQuietly(pid));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.status = { code, signal };
      this.disposeCleanup();
      const gone = lockError('SYSTEM_ERROR', `the libvirt helper ${pid} exited (code ${code}, ` +
        `signal ${signal})${this.lastWords()}`, { operation: 'helper', driver: 'libvirt' });
      for (const waiter of this.waiters.values()) {
        clearTimeout(waiter.timer);
        waiter.reject(gone);
      }
      this.waiters.clear();
      for (const exit of this.vmExits.values()) exit({ code: null, signal: 'SIGKILL' });
      this.vmExits.clear();
      resolve(this.status);
    }));
  }

  /**
   * Starts a helper and waits until its namespace is set up and libvirt is loaded.
   * @throws CONFIG_UNSUPPORTED when it cannot be built or cannot isolate itself or load libvirt.
   */
  static async start(options: HelperOptions): Promise<LibvirtHelper> {
    const binary = ensureHelper();
    const args = ['host', String(process.pid)];
    for (const [link, target] of options.links) args.push('--link', `${link}=${target}`);
    const child = spawn(binary, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      // libvirt logs each error it raises; the replies carry them, so only fatal ones print.
      env: { ...process.env, ...options.env, LIBVIRT_LOG_OUTPUTS: '4:stderr' },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    if (child.pid === undefined) {
      child.once('error', () => {});
      throw lockError('CONFIG_UNSUPPORTED', `cannot start the libvirt helper ${binary}`,
        { operation: 'helper', driver: 'libvirt' });
    }
    const helper = new LibvirtHelper(child, child.pid, options.timeoutMs ?? 30_000);
    child.stdin!.on('error', () => {}); // EPIPE once it died: the exit handler reports it
    createInterface({ input: child.stderr! }).on('line', (line) => helper.keepStderr(line));
    const ready = new Promise<string | null>((resolve) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('* ready ')) resolve(null);
        else if (line.startsWith('* fail ')) resolve(decodeString(line.slice(7)) ?? 'failed');
        else helper.receive(line);
      });
      void helper.exited.then((status) => resolve(`it exited ${JSON.stringify(status)}`));
    });
    const failure = await ready;
    if (failure !== null) {
      helper.kill();
      await helper.exited;
      throw lockError('CONFIG_UNSUPPORTED', `the libvirt helper could not start: ${failure}` +
        helper.lastWords(), { operation: 'helper', driver: 'libvirt' });
    }
    return helper;
  }

  get alive(): boolean {
    return this.status === null;
  }

  /** virLockManagerPluginNew(name, driverName, configDir, flags): the plugin's handle. */
  async plugin(name: string, driverName: string, configDir: string, flags = 0): Promise<number> {
    const [handle] = await this.request(`plugin ${encodeString(name)} ${encodeString(driverName)} ` +
      `${encodeString(configDir)} ${flags}`);
    return Number(handle);
  }

  /** One domain_lock.c operation; resolves with the state string (null for lockd). */
  async domain(call: DomainCall): Promise<string | null> {
    const [state] = await this.request(`domain ${call.plugin} ${call.call} ${call.newFlags ?? 0} ` +
      `${call.flags ?? 0} ${call.action ?? 0} ${encodeString(call.state ?? null)} ` +
      `${encodeParams(domainParams(call.params))} ` +
      `${encodeResources(call.resources.map(wireResource))}`);
    return decodeString(state ?? '-');
  }

  /**
   * `pairs` × (one domain acquire, one domain release) timed inside the helper, with no line
   * protocol in between: the speed of libvirt's own code. Resolves with the elapsed seconds.
   */
  async bench(plugin: number, pairs: number, params: DomainParams,
    resources: readonly ResourceSpec[]): Promise<number> {
    const [ns] = await this.request(`bench ${plugin} ${pairs} ` +
      `${encodeParams(domainParams(params))} ${encodeResources(resources.map(wireResource))}`);
    return Number(ns) / 1e9;
  }

  /** virLockManagerNew: the object's handle. */
  async newObject(plugin: number, type: number, flags: number, params: DomainParams):
    Promise<number> {
    const [handle] = await this.request(`new ${plugin} ${type} ${flags} ` +
      encodeParams(domainParams(params)));
    return Number(handle);
  }

  async add(object: number, resource: ResourceSpec): Promise<void> {
    const wire = wireResource(resource);
    await this.request(`add ${object} ${wire.type} ${wire.flags} ${encodeString(wire.name)} ` +
      encodeParams(wire.params));
  }

  async acquire(object: number, flags: number, action: number, state: string | null):
    Promise<void> {
    await this.request(`acquire ${object} ${flags} ${action} ${encodeString(state)}`);
  }

  async release(object: number, flags: number): Promise<string | null> {
    return decodeString((await this.request(`release ${object} ${flags}`))[0] ?? '-');
  }

  async inquire(object: number, flags: number): Promise<string | null> {
    return decodeString((await this.request(`inquire ${object} ${flags}`))[0] ?? '-');
  }

  async free(object: number): Promise<void> {
    await this.request(`free ${object}`);
  }

  /** Forks a VM child, parked before exec until it registers (or is told to exec). */
  async spawnVm(): Promise<HelperVm> {
    const [index, pid] = (await this.request('spawn')).map(Number) as [number, number];
    const exited = new Promise<ExitStatus>((resolve) => this.vmExits.set(index, resolve));
    return new HelperVm(this, index, pid, exited);
  }

  /** A line to VM `index`; resolves with its answer's fields. */
  vmRequest(index: number, line: string): Promise<readonly string[]> {
    return this.request(`vm ${index} ${line}`);
  }

  async signalVm(index: number, signal: NodeJS.Signals): Promise<void> {
    await this.request(`signal ${index} ${constants.signals[signal]}`);
  }

  /**
   * A round trip. The helper reports a VM's exit before it answers a request that came after
   * it reaped that VM, so after a ping every such exit has been seen here.
   */
  async ping(): Promise<void> {
    await this.request('ping');
  }

  /** Ends the helper: stdin closes, it SIGKILLs its VMs and exits; SIGKILL after `graceMs`. */
  async close(graceMs = 5_000): Promise<void> {
    if (!this.alive) return;
    this.child.stdin!.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: its VMs die with it (parent-death signal). */
  kill(): void {
    if (this.alive) killQuietly(this.pid, 'SIGKILL');
  }

  private request(line: string): Promise<readonly string[]> {
    if (!this.alive) {
      return Promise.reject(lockError('SYSTEM_ERROR', `the libvirt helper ${this.pid} is gone`,
        { operation: 'helper', driver: 'libvirt' }));
    }
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(lockError('OPERATION_TIMEOUT', `the libvirt helper did not answer ` +
          `'${line.slice(0, 60)}' within ${this.timeoutMs} ms (libvirt waits for ever: ` +
          'outcome unknown)', { operation: line.split(' ')[0]!, driver: 'libvirt' }));
      }, this.timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
      this.child.stdin!.write(`${id} ${line}\n`);
    });
  }

  private receive(line: string): void {
    const tokens = line.split(' ');
    if (tokens[0] === '*') {
      if (tokens[1] === 'exit') {
        const index = Number(tokens[2]);
        const code = Number(tokens[3]);
        const signo = Number(tokens[4]);
        const signal = (Object.entries(constants.signals).find(([, n]) => n === signo)?.[0] ??
          null) as NodeJS.Signals | null;
        this.vmExits.get(index)?.({ code: code >= 0 ? code : null, signal: signo > 0 ? signal : null });
        this.vmExits.delete(index);
      }
      return;
    }
    const waiter = this.waiters.get(tokens[0]!);
    if (!waiter) return; // timed out already
    this.waiters.delete(tokens[0]!);
    clearTimeout(waiter.timer);
    try {
      const reply = decodeReply(tokens.slice(1));
      if (reply.ok) waiter.resolve(reply.fields);
      else waiter.reject(reply.error);
    } catch (error) {
      waiter.reject(error as LockError);
    }
  }

  private keepStderr(line: string): void {
    this.stderr.push(line);
    if (this.stderr.length > STDERR_LINES) this.stderr.shift();
  }

  private lastWords(): string {
    return this.stderr.length === 0 ? '' : ` (stderr: ${this.stderr.slice(-5).join(' | ')})`;
  }
}

/** A VM child of a helper: parked before exec, then the stand-in (`helper/stand-in.c`). */
export class HelperVm {
  private status: ExitStatus | null = null;

  constructor(private readonly helper: LibvirtHelper, readonly index: number, readonly pid: number,
    readonly exited: Promise<ExitStatus>) {
    void exited.then((status) => {
      this.status = status;
    });
  }

  get alive(): boolean {
    return this.status === null && this.helper.alive;
  }

  /**
   * qemuProcessHook's lock step, in the child: New(newFlags, params), AddResource for each,
   * Acquire(NULL, flags, action, &fd), Free; then it execs the stand-in (also on failure, as
   * the reply is what libvirtd acts on). Resolves with the leaked descriptor.
   */
  async register(plugin: number, options: { newFlags: number; flags: number; action?: number;
    params: DomainParams; resources: readonly ResourceSpec[] }): Promise<number> {
    const [fd] = await this.helper.vmRequest(this.index, `register ${plugin} ${options.newFlags} ` +
      `${options.flags} ${options.action ?? 0} ${encodeParams(domainParams(options.params))} ` +
      encodeResources(options.resources.map(wireResource)));
    return Number(fd);
  }

  /** Exec the stand-in without registering (a driver with nothing to register). */
  async exec(): Promise<void> {
    await this.helper.vmRequest(this.index, 'exec');
  }

  /** The stand-in appends one record to the image; resolves with its sequence number. */
  async write(path: string): Promise<number> {
    return Number((await this.helper.vmRequest(this.index, `write ${encodeString(path)}`))[0]);
  }

  /** The stand-in closes its leaked lock connection; false when it had none. */
  async drop(): Promise<boolean> {
    return (await this.helper.vmRequest(this.index, 'drop'))[0] === '1';
  }

  /**
   * Raw bytes on the leaked connection, one reply frame back (a guest's own lock call), framed
   * as lockd's RPC (a 4-byte length first) or sanlock's (a 32-byte header with its length).
   */
  async rpc(frame: Uint8Array, framing: 'lockd' | 'sanlock' = 'lockd'): Promise<Buffer> {
    const [hex] = await this.helper.vmRequest(this.index, `${framing === 'sanlock' ? 'rpc-sanlock'
      : 'rpc'} ${Buffer.from(frame).toString('hex')}`);
    return Buffer.from(hex ?? '', 'hex');
  }

  /** Sends a signal and waits until the VM was reaped. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus> {
    if (this.alive) await this.helper.signalVm(this.index, signal).catch(() => {});
    return this.exited;
  }
}
