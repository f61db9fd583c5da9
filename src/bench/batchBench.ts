// Batch throughput: items per minute for one `l2caf batch` process against two shards running at
// once (two processes, as two pods or array tasks would on one machine) and against one process
// with `--workers <cores>` (one pool of worker threads: clips on it, images several at once), in the same run
// on the same items: 4 clips cut to 0.5 s from the fixtures and 4 images; then folders of images
// alone and of scans with images, one process against --workers. Each run starts cold
// (its own output folder), process start and model load included, as on a cluster.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegBinary } from '../media/ffmpegPath.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(root, 'bin', 'l2caf.js');

function runShard(data: string, out: string, shard: string, extra: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'batch', data, '--out', out, '-m', 'darknet-tiny', '--stride', '3', '--shard', shard, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`batch --shard ${shard} exited ${code}: ${err.split('\n').slice(-3).join(' ')}`))));
  });
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

export async function batchBench(fixtures: string): Promise<{ items: number; oneProcessPerMin: number; twoShardsPerMin: number; workersPerMin: number }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-batch-bench-'));
  try {
    const data = path.join(tmp, 'data');
    mkdirSync(data);
    const ff = ffmpegBinary().path;
    const clips: [string, number][] = [['bottle-detection.mp4', 0], ['bottle-detection.mp4', 20], ['car-detection.mp4', 5], ['car-detection.mp4', 15]];
    clips.forEach(([f, at], i) =>
      execFileSync(ff, ['-loglevel', 'error', '-ss', String(at), '-i', path.join(fixtures, 'videos', f), '-t', '0.5', '-an', path.join(data, `clip${i}.mp4`)]),
    );
    for (const f of ['apple.jpg', 'orange.jpg', 'butterfly.jpg', 'chelsea.png']) copyFileSync(path.join(fixtures, 'images', f), path.join(data, f));
    const items = clips.length + 4;
    const one = await timed(() => runShard(data, path.join(tmp, 'one'), '0/1'));
    const two = await timed(() => Promise.all([runShard(data, path.join(tmp, 'two'), '0/2'), runShard(data, path.join(tmp, 'two'), '1/2')]));
    const cores = os.availableParallelism();
    const pooled = await timed(() => runShard(data, path.join(tmp, 'workers'), '0/1', ['--workers', String(cores)]));
    // A folder of images only (the fixtures' five, four times), where --workers runs several at once.
    const pics = path.join(tmp, 'images');
    mkdirSync(pics);
    const names = ['apple.jpg', 'orange.jpg', 'butterfly.jpg', 'chelsea.png', 'coffee.png'];
    for (let k = 0; k < 4; k++) for (const f of names) copyFileSync(path.join(fixtures, 'images', f), path.join(pics, `${k}-${f}`));
    const picsRuns: { what: string; one: number; pooled: number }[] = [];
    for (const [what, args] of [['default layer', []], ['leaky_re_lu_13, l2caf + l2caf-class', ['--layer', 'leaky_re_lu_13', '--method', 'l2caf', '--method', 'l2caf-class']]] as const) {
      const tag = picsRuns.length;
      const o = await timed(() => runShard(pics, path.join(tmp, `pics-one-${tag}`), '0/1', [...args]));
      const w = await timed(() => runShard(pics, path.join(tmp, `pics-workers-${tag}`), '0/1', [...args, '--workers', String(cores)]));
      picsRuns.push({ what, one: o, pooled: w });
    }
    const r = { items, oneProcessPerMin: (items / one) * 60, twoShardsPerMin: (items / two) * 60, workersPerMin: (items / pooled) * 60 };
    console.log(
      `batch (${items} items: 4 clips of 0.5 s at stride 3, 4 images; process start and model load included): ` +
        `1 process ${r.oneProcessPerMin.toFixed(1)} items/min (${one.toFixed(1)} s), 2 shards at once ${r.twoShardsPerMin.toFixed(1)} items/min (${two.toFixed(1)} s), ${(r.twoShardsPerMin / r.oneProcessPerMin).toFixed(2)}x; ` +
        `1 process --workers ${cores} ${r.workersPerMin.toFixed(1)} items/min (${pooled.toFixed(1)} s), ${(r.workersPerMin / r.oneProcessPerMin).toFixed(2)}x (one pool for the run: its start is not paid back by 8 small items); on ${cores} cores`,
    );
    for (const p of picsRuns) {
      console.log(
        `batch (${names.length * 4} images, ${p.what}): 1 process ${(((names.length * 4) / p.one) * 60).toFixed(1)} images/min (${p.one.toFixed(1)} s), ` +
          `--workers ${cores} ${(((names.length * 4) / p.pooled) * 60).toFixed(1)} images/min (${p.pooled.toFixed(1)} s), ${(p.one / p.pooled).toFixed(2)}x`,
      );
    }
    // Scans and images (a scan's slices run on the run's pool too, as a clip's frames do).
    const scanFiles = ['someones_anatomy.nii.gz', 'anatomical.nii'].map((f) => path.join(fixtures, 'volumes', f));
    if (scanFiles.every((f) => existsSync(f))) {
      const scans = path.join(tmp, 'scans');
      mkdirSync(scans);
      for (const f of scanFiles) copyFileSync(f, path.join(scans, path.basename(f)));
      for (const f of names.slice(0, 4)) copyFileSync(path.join(fixtures, 'images', f), path.join(scans, f));
      const scanArgs = ['--layer', 'leaky_re_lu_13', '--method', 'l2caf-class'];
      const scansOne = await timed(() => runShard(scans, path.join(tmp, 'scans-one'), '0/1', scanArgs));
      const scansPooled = await timed(() => runShard(scans, path.join(tmp, 'scans-workers'), '0/1', [...scanArgs, '--workers', String(cores)]));
      console.log(
        `batch (2 scans: someones_anatomy.nii.gz 56 slices, anatomical.nii 25; 4 images; leaky_re_lu_13, l2caf-class): 1 process ${scansOne.toFixed(1)} s, ` +
          `--workers ${cores} ${scansPooled.toFixed(1)} s (one pool for the scans and the images), ${(scansOne / scansPooled).toFixed(2)}x`,
      );
    } else console.log(`batch (scans): skipped, ${scanFiles.find((f) => !existsSync(f))} is missing`);
    return r;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
