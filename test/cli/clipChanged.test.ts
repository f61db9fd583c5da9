// `l2caf video --out` on a clip that is rewritten while it is analysed: the maps are of the frames
// before, so the export is refused with one line naming the file (the app refuses it too), no
// export file is left, and the run says the results were not cached.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, FIXTURES, fixture, haveFixture } from '../helpers/fixtures.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'l2caf.js');
const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js'));
const ready = built && haveFixture('models/darknet-tiny') && haveFixture('videos/car-detection.mp4');

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-changed-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!ready)('a clip rewritten during `l2caf video --out`', () => {
  it('is not exported: one line naming it, exit 1, no export file, nothing cached', async () => {
    const clip = path.join(tmp, 'clip.mp4');
    copyFileSync(fixture('videos/car-detection.mp4'), clip);
    const out = path.join(tmp, 'out.mp4');
    const cacheDir = path.join(tmp, 'cache');
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'video', clip, '--to', '3', '--stride', '2', '--layer', 'leaky_re_lu_13', '--method', 'l2caf-class', '--out', out], {
        env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1', L2CAF_CACHE_DIR: cacheDir },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      let touched = false;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // the first frames are in: another program rewrites the clip (its change time moves)
        if (!touched && /analysing \d+\/\d+/.test(stderr)) {
          touched = true;
          utimesSync(clip, new Date(), new Date(Date.now() + 60_000));
        }
      });
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stderr }));
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`${clip} changed while it was analysed: these results were not cached`);
    expect(stderr).toContain(`${clip}: changed while it was analysed: not exported (its maps are of the frames before; run the command again)`);
    expect(readdirSync(tmp).filter((f) => f.startsWith('out'))).toEqual([]);
    expect(readdirSync(path.join(cacheDir, 'video')).filter((f) => f.endsWith('.json') || f.endsWith('.jsonl'))).toEqual([]);
  }, 120_000);
});
