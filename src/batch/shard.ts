// Which share of the items this process takes: item i (in the sorted list) belongs to shard
// i mod N. Where I/N come from, first found wins: --shard I/N; a Kubernetes Indexed Job's
// JOB_COMPLETION_INDEX with N from --shards or L2CAF_SHARDS; a Slurm array's (SLURM_ARRAY_TASK_ID
// minus SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP, with N from --shards, L2CAF_SHARDS or
// SLURM_ARRAY_TASK_COUNT; else the whole list (0/1). Pure: the environment is a parameter.
import { UsageError } from '../engine/targets.js';

export interface Shard {
  index: number;
  count: number;
  /** where it came from, for the progress header */
  from: string;
}

function int(v: string, what: string): number {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isInteger(n)) throw new UsageError(`${what}: expected an integer, got "${v}"`);
  return n;
}

function checked(index: number, count: number, from: string): Shard {
  if (count < 1) throw new UsageError(`${from}: the shard count must be at least 1, got ${count}`);
  if (index < 0 || index >= count) throw new UsageError(`${from}: shard index ${index} is outside 0..${count - 1}`);
  return { index, count, from };
}

export function parseShardFlag(v: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(v);
  if (!m) throw new UsageError(`--shard: expected I/N (e.g. 0/4), got "${v}"`);
  return checked(Number(m[1]), Number(m[2]), '--shard');
}

/**
 * The position of this task in its Slurm array: `--array=0-8:2` runs IDs 0,2,4,6,8 with
 * SLURM_ARRAY_TASK_STEP=2 and COUNT=5, so the index is (ID - MIN) / STEP (else 6 and 8 would fall
 * outside 0..4 and shards 1 and 3 would never run).
 */
function slurmIndex(env: NodeJS.ProcessEnv): number {
  const id = int(env.SLURM_ARRAY_TASK_ID!, 'SLURM_ARRAY_TASK_ID');
  const min = env.SLURM_ARRAY_TASK_MIN ? int(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN') : 0;
  const step = env.SLURM_ARRAY_TASK_STEP ? int(env.SLURM_ARRAY_TASK_STEP, 'SLURM_ARRAY_TASK_STEP') : 1;
  if (step < 1) throw new UsageError(`SLURM_ARRAY_TASK_STEP: expected a positive integer, got "${env.SLURM_ARRAY_TASK_STEP}"`);
  // an array like 1,4,5 has no single step: its IDs do not map to 0..COUNT-1 this way
  if ((id - min) % step !== 0) throw new UsageError(`SLURM_ARRAY_TASK_ID ${id} is not SLURM_ARRAY_TASK_MIN ${min} plus a multiple of SLURM_ARRAY_TASK_STEP ${step}: give --shard I/N`);
  return (id - min) / step;
}

export function resolveShard(flags: { shard?: string; shards?: number }, env: NodeJS.ProcessEnv): Shard {
  if (flags.shard !== undefined) {
    const s = parseShardFlag(flags.shard);
    // (--shards would be ignored: a count that disagrees is a slip in the job script)
    if (flags.shards !== undefined && flags.shards !== s.count) throw new UsageError(`--shard ${flags.shard} and --shards ${flags.shards} disagree on the shard count: give one of them`);
    return { ...s, from: '--shard' };
  }
  const countFrom = (fallback?: string): { n: number; what: string } | null => {
    if (flags.shards !== undefined) return { n: flags.shards, what: '--shards' };
    if (env.L2CAF_SHARDS) return { n: int(env.L2CAF_SHARDS, 'L2CAF_SHARDS'), what: 'L2CAF_SHARDS' };
    if (fallback && env[fallback]) return { n: int(env[fallback]!, fallback), what: fallback };
    return null;
  };
  if (env.JOB_COMPLETION_INDEX) {
    const c = countFrom();
    if (!c) throw new UsageError('JOB_COMPLETION_INDEX is set: give the shard count with --shards N or L2CAF_SHARDS (the Job\'s completions)');
    return checked(int(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX'), c.n, `JOB_COMPLETION_INDEX/${c.what}`);
  }
  if (env.SLURM_ARRAY_TASK_ID) {
    const c = countFrom('SLURM_ARRAY_TASK_COUNT');
    if (!c) throw new UsageError('SLURM_ARRAY_TASK_ID is set: give the shard count with --shards N, L2CAF_SHARDS or SLURM_ARRAY_TASK_COUNT');
    return checked(slurmIndex(env), c.n, `SLURM_ARRAY_TASK_ID/${c.what}`);
  }
  if (flags.shards !== undefined && flags.shards !== 1) throw new UsageError('--shards N needs the shard index: --shard I/N, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID');
  return { index: 0, count: 1, from: 'all' };
}

/** The items of shard `s`: position i in the sorted list goes to shard i mod count. */
export function itemsOfShard<T>(items: readonly T[], s: { index: number; count: number }): T[] {
  return items.filter((_, i) => i % s.count === s.index);
}
