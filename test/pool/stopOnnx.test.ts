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

// A worker in the middle of a long synchronous solve (Adam with the paper's settings, seconds a
// frame, its head passes on ONNX Runtime: darknet-tiny's translated head at leaky_re_lu_13) cannot
// read the stop message until the solve ends; the grace period then ran out and terminate() landed
// inside an ORT run: the app's server died when a user cancelled such a job. The pool raises the
// worker's interrupt flag first, so the solve ends at its next pass and the worker leaves well
// inside the grace period (it used to wait the grace out, then abort the process).
const TF_MODEL = 'models/darknet-tiny';
const midSolve = `
const { createBackbonePool } = await import(${JSON.stringify(entry)});
const { defaultSolveOptions } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'dist', 'attention', 'index.js'))});
const { STOP_GRACE_MS } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'dist', 'pool', 'stopWorker.js'))});
// (tol 0: the loss never counts as settled, so the solve runs until it is stopped)
const solve = { ...defaultSolveOptions('paper'), maxIterations: 100000, stop: { kind: 'paper', every: 50, tol: 0 } };
const plan = { methods: ['l2caf-class'], classes: [], solve, warmStart: false };
const pool = await createBackbonePool({ model: { model: ${JSON.stringify(fixture(TF_MODEL))} }, layer: 'leaky_re_lu_13', workers: 1, plan });
const rgb = new Uint8Array(224 * 224 * 3).map((_, i) => (i * 37) % 251);
let settled = false;
const job = pool.analyze(rgb, 224, 224).then(() => 'solved', (e) => e.message).finally(() => { settled = true; });
await new Promise((r) => setTimeout(r, 1500));
if (settled) throw new Error('the solve ended before the close: ' + (await job));
const t0 = performance.now();
await pool.close();
const ms = performance.now() - t0;
await job;
if (pool.liveWorkers().length) throw new Error('workers outlived close: ' + pool.liveWorkers());
console.log(ms < STOP_GRACE_MS ? 'left mid-solve' : 'waited out the grace: ' + Math.round(ms) + ' ms');
`;

function runScenario(code: string): ReturnType<typeof spawnSync> & { stdout: string; stderr: string } {
  // A file, not --input-type + -e: workers inherit execArgv, and --input-type stops a worker file.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-stop-'));
  const file = path.join(dir, 'scenario.mjs');
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 110_000 });
  rmSync(dir, { recursive: true, force: true });
  return r;
}

describe.skipIf(!built || !haveFixture(TF_MODEL))('closing a pool whose worker is in a long solve', () => {
  it('ends the solve at its next head pass: the worker leaves by the stop message, the process stays alive', () => {
    const r = runScenario(midSolve);
    expect(r.stderr).not.toMatch(/terminate called|Napi::Error/);
    expect({ status: r.status, signal: r.signal, out: r.stdout.trim(), err: r.stderr.trim().split('\n')[0] }).toEqual({ status: 0, signal: null, out: 'left mid-solve', err: '' });
  });
});

describe.skipIf(!built || !haveFixture(MODEL))('closing a pool of ONNX Runtime workers', () => {
  it('mid-pass and mid-load, six times over, leaves the process alive and no worker behind', () => {
    const r = runScenario(script);
    expect(r.stderr).not.toMatch(/terminate called|Napi::Error/);
    expect({ status: r.status, signal: r.signal, out: r.stdout.trim(), err: r.stderr.trim().split('\n')[0] }).toEqual({ status: 0, signal: null, out: 'closed cleanly', err: '' });
  });
});
