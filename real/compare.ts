/**
 * Comparing what the model allowed with what really happened. Pure: each function takes the
 * model's side and the real side and says what differs, in one sentence, or null.
 */
import type { FailureSemantics } from '../contract/driver.ts';
import { contractBreach } from '../contract/outcomes.ts';
import { diskGrants } from '../sim/checkers/grants.ts';
import type { SimContext } from '../sim/world/context.ts';
import type { DiskUse, World } from '../sim/world/types.ts';
import type { ObservedLock, RealReply, RealWrite } from './backend.ts';
import type { Expected } from '../sim/real-actions.ts';

export type FindingKind = 'outcome' | 'locks' | 'process' | 'records' | 'contract';

/** A divergence between model and reality: a model bug or a driver/daemon bug. */
export interface Finding {
  /** The index of the step after which it was seen. */
  readonly step: number;
  readonly kind: FindingKind;
  readonly message: string;
  /** That step, in one line (`describeStep`), so a finding reads without its trace. */
  readonly what?: string;
}

const describeReply = (reply: { ok: boolean; code?: string }) => (reply.ok ? 'success' : reply.code!);

/**
 * The real reply against the model's. A timeout is no answer — the call's outcome is unknown
 * (it may have taken effect, a lost reply) — so it is never compared as a failure: it is what the
 * model itself answers when it chose to lose the reply in a daemon re-exec (`lost`), and the
 * locks compared after the step judge what the call did. Anywhere else the model admits no
 * lost reply, and a timeout is a finding of its own.
 */
export function compareReply(what: string, expect: Expected, real: RealReply,
  options: { acrossReexec?: boolean } = {}): string | null {
  if (!real.ok && real.code === 'OPERATION_TIMEOUT') {
    return options.acrossReexec ? null : `${what}: no reply (${real.message}); the model ` +
      `answers ${describeReply(expect)} and loses a reply only in a daemon re-exec`;
  }
  const same = expect.ok === real.ok && (expect.ok || expect.code === (real as { code: string }).code);
  if (same) return null;
  const detail = real.ok ? '' : ` (${real.message})`;
  return `${what}: the model answers ${describeReply(expect)}, the real driver ${describeReply(real)}${detail}`;
}

type Level = 'exclusive' | 'shared';

/** Per disk, the strongest lock: what both sides can see whoever holds it for whom. */
function levels(locks: ReadonlyArray<{ disk: number | undefined; mode: Level }>): Map<number, Level> {
  const out = new Map<number, Level>();
  for (const lock of locks) {
    if (lock.disk === undefined) continue;
    if (lock.mode === 'exclusive' || !out.has(lock.disk)) out.set(lock.disk, lock.mode);
  }
  return out;
}

/** The kernel's locks against the model's grants: same disks locked, in the same modes. */
export function compareLocks(ctx: SimContext, world: World, observed: readonly ObservedLock[]):
  string | null {
  const grants = diskGrants(ctx, world.service);
  const model = levels(grants);
  const real = levels(observed);
  const problems: string[] = [];
  for (let disk = 0; disk < world.disks.length; disk++) {
    const want = model.get(disk) ?? 'unlocked';
    const have = real.get(disk) ?? 'unlocked';
    if (want === have) continue;
    const owners = grants.filter((grant) => grant.disk === disk)
      .map((grant) => `pid ${grant.owner}@h${grant.host}`);
    problems.push(`disk${disk} is ${have} for real but ${want} in the model` +
      (owners.length > 0 ? ` (granted to ${owners.join(', ')})` : ''));
  }
  for (const lock of observed) {
    if (lock.holder === null) continue;
    if (!grants.some((grant) => grant.disk === lock.disk && grant.owner === lock.holder)) {
      problems.push(`disk${lock.disk} is really held by pid ${lock.holder}, which holds no grant on it in the model`);
    }
  }
  return problems.length === 0 ? null : problems.join('; ');
}

const RANK = { unlocked: 0, shared: 1, exclusive: 2 } as const;

/**
 * A real call that failed on its own, held to the real driver's declared outcome set (the
 * failure-contract check of the simulator's F1 and of the conformance suite): which of its disks
 * it locked more strongly (acquire) or less (release), from the kernel's locks just before and
 * just after it.
 */
export function compareFailure(what: string, kind: 'acquire' | 'release', disks: readonly DiskUse[],
  before: readonly ObservedLock[], after: readonly ObservedLock[], failure: FailureSemantics,
  code: string): string | null {
  const [was, now] = [levels(before), levels(after)];
  let mask = 0;
  // Only what the kernel can show is judged: a read-only disk is never locked; a shared acquire
  // of a disk another VM already locks shared leaves no trace; a release cannot change a disk
  // nobody had locked (see `contractBreach`).
  let care = 0;
  disks.forEach((use, i) => {
    const held = RANK[was.get(use.disk) ?? 'unlocked'];
    const change = RANK[now.get(use.disk) ?? 'unlocked'] - held;
    if (kind === 'acquire' ? change > 0 : change < 0) mask |= 1 << i;
    if (use.mode === 'readonly') return;
    const invisible = use.mode === 'shared' && held === RANK.shared;
    if (kind === 'acquire' ? !invisible : held > 0) care |= 1 << i;
  });
  const breach = contractBreach(kind === 'acquire' ? failure.acquire : failure.release,
    disks.length, mask, care);
  return breach ? `${what} failed on its own (${code}), but ${breach}` : null;
}

/** The records on the disks against the writes the run commanded, disk by disk, in order. */
export function compareRecords(expected: readonly RealWrite[], real: readonly RealWrite[]): string | null {
  const disks = new Set([...expected, ...real].map((write) => write.disk));
  for (const disk of [...disks].sort((a, b) => a - b)) {
    const want = expected.filter((w) => w.disk === disk).map((w) => w.pid);
    const have = real.filter((w) => w.disk === disk).map((w) => w.pid);
    const at = want.findIndex((pid, i) => have[i] !== pid);
    if (at >= 0 || want.length !== have.length) {
      const index = at >= 0 ? at : Math.min(want.length, have.length);
      return `disk${disk}: write ${index} is by pid ${have[index] ?? 'nobody'} on disk, the run ` +
        `commanded pid ${want[index] ?? 'nobody'} (${have.length} records, ${want.length} writes)`;
    }
  }
  return null;
}
