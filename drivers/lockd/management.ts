/**
 * The management connection: how libvirtd-side calls (acquire with no flags, release) reach
 * virtlockd on behalf of an owner that is another process.
 *
 * One connection, opened lazily and REGISTERed (neutral identity) in its first write, then the
 * configured lockspace is (re-)created on it: CREATE_LOCKSPACE is idempotent, and a daemon that
 * restarted empty needs it again. Each operation REGISTERs the owner's pid (impersonation, as
 * libvirt does) and then makes its calls, so operations are serialised: another operation's
 * REGISTER must never slip in between; the owner a connection last registered is remembered, so
 * consecutive operations for one VM (a resume, then a pause…) skip the repeated REGISTER.
 * A timeout leaves the connection in an unknown state, so
 * it is dropped and the next operation reconnects; closing it never releases or kills anything,
 * because its peer is never the registered pid.
 */
import type { LockError } from '../../contract/errors.ts';
import { LockdClient } from './client.ts';
import { neutralOwner } from './owners.ts';
import type { LockOwner } from './protocol.ts';

/** The serialised, self-healing management connection (see the module comment). */
export class ManagementLink {
  private client: LockdClient | null = null;
  /** Who `client` is registered as now (null: unknown, register again). */
  private registered: string | null = null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly socketPath: string,
    private readonly lockspaceDir: string | null,
    private readonly timeoutMs: number,
  ) {}

  /** Runs `body` alone on the connection (connecting first if needed). */
  run<T>(body: (client: LockdClient) => Promise<T>): Promise<T> {
    const result = this.tail.then(async () => {
      const client = await this.connection();
      try {
        return await body(client);
      } catch (error) {
        if ((error as LockError).code === 'OPERATION_TIMEOUT') await this.drop();
        throw error;
      }
    });
    this.tail = result.catch(() => {});
    return result;
  }

  /**
   * REGISTERs `owner` on the link's connection, unless it is who the connection is registered as
   * already (call inside {@link run}).
   */
  async registerAs(client: LockdClient, owner: LockOwner): Promise<void> {
    const key = `${owner.pid}\0${owner.id}\0${owner.uuid}\0${owner.name}`;
    if (client === this.client && this.registered === key) return;
    this.registered = null;
    await client.call({ procedure: 'REGISTER', owner, flags: 0 });
    if (client === this.client) this.registered = key;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.drop();
  }

  private async connection(): Promise<LockdClient> {
    if (this.client?.open) return this.client;
    const client = await LockdClient.connect(this.socketPath,
      { register: neutralOwner('lockchart-management'), timeoutMs: this.timeoutMs });
    try {
      if (this.lockspaceDir !== null) {
        await client.call({ procedure: 'CREATE_LOCKSPACE', path: this.lockspaceDir });
      }
    } catch (error) {
      await client.close();
      throw error;
    }
    this.client = client;
    this.registered = null;
    return client;
  }

  private async drop(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.registered = null;
    await client?.close();
  }
}
