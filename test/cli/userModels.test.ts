// `l2caf image` end to end on models users bring (issue 17 items 4, 5): a 1000-logit export
// without labels targets its top-1 by index; a non-square model's map lands on the right part of
// the source in the overlay; a dynamic model follows the source's aspect ratio or --input-size W,H.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { PROJECT_ROOT } from '../helpers/fixtures.js';
import { buildModel, floatTensor, node, removeWrittenModels, writeModel } from '../onnx/buildOnnx.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'l2caf.js');
const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js'));
if (!built) console.warn('[skip] dist/ not built: run `npm run build` (npm test does)');
const data = (name: string) => path.join(PROJECT_ROOT, 'test', 'data', 'models', name);

function l2caf(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, L2CAF_OFFLINE: '1', L2CAF_BACKEND: 'cpu' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
let picture: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-cli-user-'));
  // 48 x 24, black with a green block in the top-right corner (x 36..47, y 0..5)
  const png = new PNG({ width: 48, height: 24 });
  for (let y = 0; y < 24; y++) {
    for (let x = 0; x < 48; x++) {
      const i = 4 * (x + 48 * y);
      png.data[i] = 0;
      png.data[i + 1] = x >= 36 && y < 6 ? 255 : 0;
      png.data[i + 2] = 0;
      png.data[i + 3] = 255;
    }
  }
  picture = path.join(tmp, 'corner.png');
  writeFileSync(picture, PNG.sync.write(png));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  removeWrittenModels();
});

/** x [1, 3, 8, 12] -> identity 1x1 conv ("feat" = the input) -> GAP -> flatten: class c's Grad-CAM is channel c. */
function identityNonSquare(): string {
  const eye = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  return writeModel(buildModel({
    nodes: [node('Conv', ['x', 'w'], ['feat']), node('GlobalAveragePool', ['feat'], ['g']), node('Flatten', ['g'], ['y'])],
    initializers: [floatTensor('w', [3, 3, 1, 1], eye)],
    inputs: [{ name: 'x', dims: [1, 3, 8, 12] }],
    outputs: ['y'],
  }), 'identity-8x12');
}

describe.skipIf(!built)('l2caf image on models users bring', () => {
  it('a 1000-logit model without labels: Grad-CAM of the top-1, top-5 by index, a warning offering --labels imagenet', () => {
    const json = path.join(tmp, 'nolabels.json');
    const r = l2caf(['image', picture, '--model', data('classifier-1000-nolabels'), '--method', 'gradcam', '--scale', String(1 / 255), '--offset', '0', '--json', json]);
    expect(r.stderr).toMatch(/warning: no labels for the model's 1000 outputs: taken as class scores and shown as class #N .*--labels imagenet/);
    expect(r.code).toBe(0);
    const out = JSON.parse(readFileSync(json, 'utf8'));
    expect(out.model.outputKind).toBe('logits');
    expect(out.predictions).toHaveLength(5);
    const top = out.predictions[0];
    expect(top.label).toBe(`class #${top.index}`);
    expect(out.maps[0].target).toEqual({ index: top.index, label: `class #${top.index}` });
    expect(r.stdout).toContain(`gradcam class #${top.index}`);
  });

  it('--output embedding restores the old refusal; a bad --input-size or --output is a usage error', () => {
    const r = l2caf(['image', picture, '--model', data('classifier-1000-nolabels'), '--method', 'gradcam', '--output', 'embedding']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this model outputs an embedding: class-specific methods need --class INDEX/);
    expect(l2caf(['image', picture, '--model', data('dynamic-hw'), '--input-size', '3,x']).stderr).toMatch(/expected N or W,H/);
    expect(l2caf(['image', picture, '--model', data('dynamic-hw'), '--output', 'probabilities']).stderr).toMatch(/expected logits or embedding/);
  });

  it('a fixed 12 x 8 input: the map is 12 x 8, hot top-right, and the overlay is hot in the top-right of the 48 x 24 source', () => {
    const json = path.join(tmp, 'corner.json');
    const overlay = path.join(tmp, 'corner-overlay.png');
    const r = l2caf(['image', picture, '--model', identityNonSquare(), '--method', 'gradcam', '--class', '1', '--scale', String(1 / 255), '--offset', '0', '--json', json, '--overlay', overlay, '--blend', 'uniform']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(json, 'utf8')).maps[0];
    expect([m.width, m.height]).toEqual([12, 8]);
    const hottest = (m.values as number[]).indexOf(Math.max(...m.values));
    expect(hottest % 12).toBeGreaterThanOrEqual(9);
    expect(Math.floor(hottest / 12)).toBeLessThanOrEqual(1);
    const png = PNG.sync.read(readFileSync(overlay));
    expect([png.width, png.height]).toEqual([48, 24]);
    const px = (x: number, y: number) => Array.from(png.data.subarray(4 * (x + 48 * y), 4 * (x + 48 * y) + 3));
    // jet, tinted everywhere (--blend uniform): hot is red, cold is blue
    const [hr, , hb] = px(44, 2);
    expect(hr).toBeGreaterThan(hb!);
    for (const [x, y] of [[4, 2], [4, 20], [44, 20]] as const) {
      const [r0, , b0] = px(x, y);
      expect(b0).toBeGreaterThan(r0!);
    }
  });

  it('a dynamic input: the source\'s 2:1 aspect ratio (320 x 160), or --input-size W,H', () => {
    const json = path.join(tmp, 'dyn.json');
    const r = l2caf(['image', picture, '--model', data('dynamic-hw'), '--method', 'gradcam', '--scale', String(1 / 255), '--offset', '0', '--json', json]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/input size 320x160 \(width x height\) chosen from the source's aspect ratio/);
    expect(JSON.parse(readFileSync(json, 'utf8')).model.layerShape).toEqual([20, 40, 16]);
    const r2 = l2caf(['image', picture, '--model', data('dynamic-hw'), '--input-size', '96,64', '--method', 'gradcam', '--scale', String(1 / 255), '--offset', '0', '--json', json]);
    expect(r2.code).toBe(0);
    expect(r2.stderr).not.toMatch(/input size/);
    expect(JSON.parse(readFileSync(json, 'utf8')).model.layerShape).toEqual([8, 12, 16]);
  });
});
