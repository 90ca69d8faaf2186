/**
 * A warm pool of started lockd owner processes, one pool per simulated host: a launch takes a
 * process that is already running (it has loaded the lockd driver and is waiting for its
 * registration), and the pool refills in the background. A pooled owner has no connection to
 * virtlockd yet — it connects and REGISTERs in one write when it registers — so pooled owners
 * never leave an unregistered connection for a daemon re-exec to trip over, and survive their
 * host's daemon crashing.
 *
 * Starting a Node process costs tens of milliseconds of CPU; spawns are capped at `parallel`
 * at a time (shared by all pools of a run) so refilling never starves the run itself.
 */
import { OwnerProcess, setNice, type OwnerDriverConfig, type OwnerSpawnOptions }
  from '../../drivers/lockd/owner.ts';

/** Pooled owners start at this nice value and get the normal one back when they are taken. */
const BACKGROUND_NICENESS = 10;

/** Limits how many owner processes start at once. */
export class SpawnGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly parallel: number) {}

  async run<T>(body: () => Promise<T>): Promise<T> {
    if (this.running >= this.parallel) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await body();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** The pool of one host (see the module comment). */
export class OwnerPool {
  private readonly ready: OwnerProcess[] = [];
  private readonly starting = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly config: OwnerDriverConfig,
    private readonly spawnOptions: OwnerSpawnOptions,
    private readonly gate: SpawnGate,
    private readonly size: number,
  ) {}

  /** Starts filling the pool; resolves once it is full. */
  async warm(): Promise<void> {
    await Promise.all(this.fill());
  }

  /** A started owner: a pooled one if any is alive, else one started now. */
  async take(): Promise<OwnerProcess> {
    let owner = this.ready.shift();
    while (owner && !owner.alive) owner = this.ready.shift();
    this.fill();
    if (!owner) return this.spawn(0);
    setNice(owner.pid, 0);
    return owner;
  }

  /** Kills every pooled owner, and waits for those still starting (then kills them too). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.starting]);
    await Promise.all(this.ready.splice(0).map((owner) => owner.kill('SIGKILL')));
  }

  private fill(): Promise<void>[] {
    const refills: Promise<void>[] = [];
    while (!this.closed && this.ready.length + this.starting.size < this.size) {
      const refill: Promise<void> = this.spawn(BACKGROUND_NICENESS).then((owner) => {
        if (this.closed) return owner.kill('SIGKILL').then(() => {});
        this.ready.push(owner);
      }, () => {}).finally(() => this.starting.delete(refill));
      this.starting.add(refill);
      refills.push(refill);
    }
    return refills;
  }

  private spawn(niceness: number): Promise<OwnerProcess> {
    return this.gate.run(async () => {
      if (this.closed) throw new Error('the owner pool is closed');
      return OwnerProcess.spawn(this.config, 15_000, { ...this.spawnOptions, niceness });
    });
  }
}
