/**
 * Which shard of a sweep this process runs: `--shard i/n`, or, when that is not given, the one a
 * Kubernetes Indexed Job gives its pod — `JOB_COMPLETION_INDEX` (0-based, set by Kubernetes) of
 * `JOB_COMPLETIONS` (the Job's `completions`, which Kubernetes does not pass on: the manifest sets
 * it, `deploy/kubernetes/`). Both variables or neither: one alone would run the whole sweep in
 * every pod, or the wrong share of it, so it is refused.
 */
import { parseShard, type Shard } from '../matrix/matrix.ts';
import { CliError } from './command.ts';

export const INDEX_VARIABLE = 'JOB_COMPLETION_INDEX';
export const COUNT_VARIABLE = 'JOB_COMPLETIONS';

export interface ShardChoice {
  readonly shard: Shard;
  /** Where it came from, for the log line a pod prints: `--shard` or the Job's variables. */
  readonly source: string;
}

const count = (text: string) => (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))
  ? Number(text) : null);

/** The shard to run, or undefined for the whole sweep; one CliError line for a bad value. */
export function shardOption(text: string | undefined, env: NodeJS.ProcessEnv): ShardChoice | undefined {
  if (text !== undefined) {
    const shard = parseShard(text);
    if (shard === null) throw new CliError(`--shard must be i/n with 1 ≤ i ≤ n, got '${text}'`);
    return { shard, source: '--shard' };
  }
  const index = env[INDEX_VARIABLE];
  const total = env[COUNT_VARIABLE];
  if (index === undefined && total === undefined) return undefined;
  if (index === undefined || total === undefined) {
    const [set, unset] = index === undefined ? [COUNT_VARIABLE, INDEX_VARIABLE]
      : [INDEX_VARIABLE, COUNT_VARIABLE];
    throw new CliError(`${set} is set but ${unset} is not: an Indexed Job's pod needs both ` +
      `(set ${COUNT_VARIABLE} to the Job's completions), or pass --shard i/n`);
  }
  const i = count(index);
  const n = count(total);
  if (n === null || n < 1) {
    throw new CliError(`${COUNT_VARIABLE} must be a positive integer (the Job's completions), got '${total}'`);
  }
  if (i === null || i >= n) {
    throw new CliError(`${INDEX_VARIABLE} must be an integer from 0 to ${n - 1} ` +
      `(${COUNT_VARIABLE}=${n}), got '${index}'`);
  }
  return { shard: { index: i + 1, count: n },
    source: `${INDEX_VARIABLE}=${i}, ${COUNT_VARIABLE}=${n}` };
}
