/**
 * The daemon fault of lockd real mode that needs more than a signal.
 *
 * - **re-exec** (SIGUSR1, serialised across processes by `daemon.ts`): virtlockd keeps its locks,
 *   clients and registrations. With `unregisteredAtReexec` the backend first leaves one
 *   connection open that has not REGISTERed — what libvirt's own lockspace setup
 *   (CREATE_LOCKSPACE on a throw-away connection) leaves open for a moment. virtlockd 9.0.0
 *   cannot save such a connection, exits with status 9 and every lock of that host is gone
 *   (reference §5). The model says a re-exec keeps everything, so real mode reports that as a
 *   divergence; the host then gets a fresh daemon on the same socket (socket activation), as
 *   systemd would start one, and the run goes on.
 *
 * A registration whose reply the model loses is not raced against SIGUSR1 the way libvirtd's
 * calls are (`lockd-reexec-call.ts`): it needs a *new* connection, and virtlockd accepts a
 * connection in one turn of its event loop and reads its first request (the REGISTER, sent in
 * the same write as the connect) in a later one, so a connection made just before the signal is
 * saved unregistered — the same exit (123 of 150 trials; `docs/real-mode.md`, lockd finding 3).
 */
import { join } from 'node:path';
import { LockdClient } from '../../drivers/lockd/client.ts';
import type { LockdHost } from './host.ts';

export interface LockdFaultOptions {
  /** Hold a connection open that never REGISTERs across every re-exec (see the comment). */
  readonly unregisteredAtReexec?: boolean;
}

/** The re-execs of one run; `incidents` collects what the model cannot know. */
export class LockdFaults {
  private reexecs = 0;

  constructor(private readonly options: LockdFaultOptions, private readonly incidents: string[]) {}

  /** SIGUSR1 to the host's daemon; a daemon that died of it is replaced by a fresh one. */
  async reexec(host: LockdHost): Promise<void> {
    const bare = this.options.unregisteredAtReexec ? await this.unregistered(host) : null;
    try {
      await host.daemon.reexec();
    } catch {
      // The daemon exited instead: afterReexec() tells and replaces it.
    } finally {
      await bare?.close();
    }
    await this.afterReexec(host);
  }

  /** After a re-exec (this one's or a racing call's): a dead daemon is an incident, replaced. */
  async afterReexec(host: LockdHost): Promise<void> {
    if (host.daemon.running) return;
    const status = host.daemon.lastExit;
    this.incidents.push(`h${host.index}: virtlockd exited during a re-exec (code ` +
      `${status?.code ?? null}, signal ${status?.signal ?? null}): every lock it held is gone`);
    await host.dropProbe();
    await host.ensureDaemon();
  }

  /** A connection that never registers; CREATE_LOCKSPACE's reply proves it was accepted. */
  private async unregistered(host: LockdHost): Promise<LockdClient> {
    const bare = await LockdClient.connect(host.daemon.socketPath);
    try {
      this.reexecs += 1;
      await bare.call({ procedure: 'CREATE_LOCKSPACE',
        path: join(host.daemon.dir, `lockspace-${this.reexecs}`) });
    } catch (error) {
      await bare.close();
      throw error;
    }
    return bare;
  }
}
