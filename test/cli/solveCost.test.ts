// A long L2-CAF solve is announced before it starts (issue 18, item 11): a filter larger than
// 100 x 100 on a head the exact solver cannot take gets a warning naming the expected cost.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, FIXTURES, fixture, haveFixture } from '../helpers/fixtures.js';
import { largeSolveWarning } from '../../src/cli/solveCost.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'l2caf.js');
const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js'));

describe('largeSolveWarning', () => {
  const plan = { layer: 'input_1', shape: [224, 224, 3], linearity: 'nonlinear' as const, headMs: 200, maxIterations: 1000, solver: 'auto' as const, methods: ['l2caf' as const] };

  it('names the layer, the filter and the expected cost', () => {
    expect(largeSolveWarning(plan)).toBe(
      'layer input_1 gives a 224x224 filter (50176 positions): each L2-CAF iteration runs the rest of the network forwards and backwards ' +
        '(200 ms forwards here), up to 1000 iterations: up to about 10 min per map; a deeper layer (see l2caf layers) takes seconds',
    );
    expect(largeSolveWarning({ ...plan, methods: ['l2caf', 'l2caf-class', 'gradcam'] })).toMatch(/per map \(2 maps\)/);
  });

  it('says nothing for small filters, Grad-CAM/CAM alone, or an exact GAP head', () => {
    expect(largeSolveWarning({ ...plan, shape: [100, 100, 16] })).toBeNull();
    expect(largeSolveWarning({ ...plan, shape: [14, 14, 1000] })).toBeNull();
    expect(largeSolveWarning({ ...plan, methods: ['gradcam', 'cam'] })).toBeNull();
    expect(largeSolveWarning({ ...plan, linearity: 'gap-affine' })).toBeNull();
    expect(largeSolveWarning({ ...plan, linearity: 'gap-affine', solver: 'iterative' })).not.toBeNull();
  });
});

describe.skipIf(!built || !haveFixture('models/darknet-tiny') || !haveFixture('images/chelsea.png'))('l2caf image on an early layer', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [BIN, 'image', fixture('images/chelsea.png'), ...args], {
      encoding: 'utf8', env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1' }, timeout: 120_000,
    });

  it('warns before solving a 224x224 filter at input_1; the default layer gets no warning', () => {
    const r = run(['--layer', 'input_1', '--max-iterations', '2']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^l2caf: warning: layer input_1 gives a 224x224 filter \(50176 positions\): .* up to 2 iterations: up to about \d+ (s|min) per map/m);
    const d = run(['--max-iterations', '2']);
    expect(d.status).toBe(0);
    expect(d.stderr).toBe('');
  });
});
