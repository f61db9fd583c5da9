// Closing a pool whose workers run ONNX Runtime, in the middle of their passes. worker.terminate()
// landing inside an ORT session create or run aborts the whole process ("terminate called after
// throwing an instance of 'Napi::Error'"), so a cancelled ONNX video job could take its process
// with it.
// The scenario runs in a child process: the abort would otherwise kill the test runner's fork.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT, fixture, haveFixture } from '../helpers/fixtures.js';

const MODEL = 'models/mobilenet-v2-random-onnx/model.onnx';
const entry = path.join(PROJECT_ROOT, 'dist', 'pool', 'backbonePool.js');
const built = existsSync(entry);
if (!built) console.warn(`[skip] ${entry} is missing: build first (npm run build)`);

// Each round: start two workers, keep both busy, close at a random moment of a pass; then a round
// that closes while the workers are still creating their sessions.
const script = `
const { createBackbonePool } = await import(${JSON.stringify(entry)});
const model = { model: ${JSON.stringify(fixture(MODEL))} };
const rgb = new Uint8Array(224 * 224 * 3).fill(90);
for (let round = 0; round < 6; round++) {
  const pool = await createBackbonePool({ model, workers: 2 });
  const jobs = Array.from({ length: 6 }, () => pool.run(rgb, 224, 224).catch(() => null));
  await jobs[0];
  await new Promise((r) => setTimeout(r, Math.random() * 40));
  await pool.close();
  await Promise.all(jobs);
  if (pool.liveWorkers().length) throw new Error('workers outlived close: ' + pool.liveWorkers());
}
const ac = new AbortController();
const starting = createBackbonePool({ model, workers: 2, signal: ac.signal });
setTimeout(() => ac.abort(), 30);
await starting.then(() => { throw new Error('the start was not cancelled'); }, (e) => { if (e.name !== 'AbortError') throw e; });
console.log('closed cleanly');
`;

describe.skipIf(!built || !haveFixture(MODEL))('closing a pool of ONNX Runtime workers', () => {
  it('mid-pass and mid-load, six times over, leaves the process alive and no worker behind', () => {
    // A file, not --input-type + -e: workers inherit execArgv, and --input-type stops a worker file.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-stop-'));
    const file = path.join(dir, 'scenario.mjs');
    writeFileSync(file, script);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 110_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.stderr).not.toMatch(/terminate called|Napi::Error/);
    expect({ status: r.status, signal: r.signal, out: r.stdout.trim(), err: r.stderr.trim().split('\n')[0] }).toEqual({ status: 0, signal: null, out: 'closed cleanly', err: '' });
  });
});
