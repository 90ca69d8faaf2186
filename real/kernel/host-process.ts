/**
 * A host whose libvirtd is a process of its own (`kernel-host-main.ts`, the `posix-naive`
 * driver loaded in it): real mode sends it each lock call over an IPC channel. A restart kills
 * the process — with it go the POSIX locks it held, as they would with a real libvirtd — and
 * starts a new one. Every process is registered with `cleanup.ts`; each also exits when its
 * channel closes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { identify, type ProcessIdentity } from '../../system/process-identity.ts';
import { killIdentified, trackProcess } from '../../drivers/kernel/supervisor/cleanup.ts';
import { nodeArgv, programPath } from '../../system/program.ts';
import type { RealReply } from '../backend.ts';
import type { HostRequest } from './host-main.ts';
import type { HostLocks } from './hosts.ts';

const MAIN = programPath(new URL('./host-main.ts', import.meta.url));
const CALL_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 20_000;

export class HostProcessError extends Error {
  override readonly name = 'HostProcessError';
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

/** One running host process: requests matched to replies by id. */
class HostProcess {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  readonly exited: Promise<void>;
  private readonly untrack: () => void;

  private constructor(private readonly child: ChildProcess, readonly identity: ProcessIdentity) {
    this.untrack = trackProcess(identity);
    child.on('message', (message: Reply) => {
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => {
      this.untrack();
      for (const [id, answer] of this.pending) {
        answer({ id, ok: false, error: `host process ${identity.pid} exited` });
      }
      this.pending.clear();
      resolve();
    }));
  }

  static async start(): Promise<HostProcess> {
    const [node, ...args] = nodeArgv(MAIN);
    const child = spawn(node!, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const identity = child.pid === undefined ? null : identify(child.pid);
    if (identity === null) throw new HostProcessError('the host process could not be started');
    const host = new HostProcess(child, identity);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new HostProcessError('the host process did not start')),
        START_TIMEOUT_MS);
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      void host.exited.then(() => {
        clearTimeout(timer);
        reject(new HostProcessError('the host process exited before it was ready'));
      });
    }).catch(async (error: unknown) => {
      await host.kill();
      throw error;
    });
    return host;
  }

  request(request: HostRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HostProcessError(`host process ${this.identity.pid} did not answer ` +
          `'${request.op}' within ${CALL_TIMEOUT_MS} ms`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.value);
        else reject(new HostProcessError(`host process ${this.identity.pid}: ${reply.error}`));
      });
      this.child.send({ id, request });
    });
  }

  /** SIGKILL; resolves once it is reaped (its POSIX locks are gone then). */
  async kill(): Promise<void> {
    killIdentified(this.identity);
    await this.exited;
  }
}

/** A host running the `posix-naive` driver in a process of its own. */
export async function childProcessHost(): Promise<HostLocks> {
  let host = await HostProcess.start();
  return {
    agents: null,
    async call(kind, pid, resources, lockState) {
      return await host.request({ op: 'call', kind, pid, resources, lockState }) as RealReply;
    },
    async ownerGone(pid) {
      await host.request({ op: 'ownerGone', pid });
    },
    async probe(path) {
      await host.request({ op: 'probe', path });
    },
    async restart() {
      await host.kill();
      host = await HostProcess.start();
    },
    async close() {
      await host.kill();
    },
  };
}
