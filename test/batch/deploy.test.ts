// The deploy files cannot run here (no cluster, no Docker): this checks that they name only the
// flags `l2caf batch` has and the environment variables the CLI reads, so they do not rot as the
// CLI changes.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { program } from '../../src/cli/main.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

const read = (rel: string) => readFileSync(path.join(PROJECT_ROOT, rel), 'utf8');
const src = (rel: string) => read(path.join('src', rel));

const batchFlags = (): Set<string> => {
  const cmd = program().commands.find((c: Command) => c.name() === 'batch')!;
  return new Set(cmd.options.flatMap((o) => [o.long, o.short].filter((x): x is string => !!x)));
};

/** The flags of every `l2caf batch` / `batch ...` command line in a text (YAML args or shell). */
function flagsUsed(text: string): string[] {
  const lines = text.split('\n').filter((l) => !l.trim().startsWith('#') && /\bbatch\b/.test(l) && !/batch-report/.test(l) && !/batch\/v1/.test(l));
  return lines.flatMap((l) => [...l.matchAll(/["\s](--?[a-z][a-z-]*)/g)].map((m) => m[1]!));
}

describe('deploy manifests name what the CLI reads', () => {
  it('the Kubernetes Indexed Job: Indexed, completions = parallelism = L2CAF_SHARDS, known flags', () => {
    const y = read('deploy/kubernetes/indexed-job.yaml');
    expect(y).toMatch(/completionMode: Indexed/);
    const completions = /completions: (\d+)/.exec(y)![1];
    expect(/parallelism: (\d+)/.exec(y)![1]).toBe(completions);
    expect(y).toMatch(new RegExp(`name: L2CAF_SHARDS[^\\n]*\\n\\s*value: "${completions}"`));
    expect(y).toMatch(/JOB_COMPLETION_INDEX/);
    const used = flagsUsed(y);
    expect(used.length).toBeGreaterThan(2);
    for (const f of used) expect(batchFlags(), f).toContain(f);
    expect(y).toMatch(/ReadWriteMany/);
  });

  it('the Slurm array: the SLURM_ARRAY_* variables and known flags', () => {
    const s = read('deploy/slurm/array.sbatch');
    expect(s).toMatch(/#SBATCH --array=/);
    for (const v of ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN']) expect(s).toContain(v);
    const used = flagsUsed(s);
    expect(used).toContain('--out');
    for (const f of used) expect(batchFlags(), f).toContain(f);
  });

  it('the variables the manifests rely on are the ones the CLI reads', () => {
    // the code of shard.ts, comments left out, so a variable only mentioned in prose does not count
    const shard = src('batch/shard.ts').split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l)).join('\n');
    for (const v of ['JOB_COMPLETION_INDEX', 'L2CAF_SHARDS', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN']) expect(shard).toMatch(new RegExp(`\\b${v}\\b`));
    const all = read('deploy/kubernetes/indexed-job.yaml') + read('deploy/slurm/array.sbatch') + read('deploy/Dockerfile');
    for (const v of new Set(all.match(/\bL2CAF_[A-Z_]+|FFMPEG_PATH/g))) {
      const readers = [src('batch/shard.ts'), src('models/resolve.ts'), src('models/paths.ts'), src('media/ffmpegPath.ts')].join('\n');
      expect(readers, v).toContain(v);
    }
  });

  it('the Dockerfile: Node 20 slim, Debian ffmpeg, npm ci --omit=dev, the CLI as entry point', () => {
    const d = read('deploy/Dockerfile');
    expect(d).toMatch(/^FROM node:20-slim$/m);
    expect(d).toMatch(/apt-get install[^\n]*\bffmpeg\b/);
    expect(d).toMatch(/npm ci --omit=dev/);
    expect(d).toMatch(/ENTRYPOINT \["node", "\/app\/bin\/l2caf\.js"\]/);
    expect(read('bin/l2caf.js')).toContain('dist/cli/main.js');
  });
});
