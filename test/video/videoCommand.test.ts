// `l2caf video` through commander (the command as the lead registers it): the timeline JSON with
// the documented keys, the CSV, the export, and errors before any work for unwritable outputs.
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { videoCommand } from '../../src/cli/videoCommand.js';
import { haveFixture } from '../helpers/fixtures.js';
import { ffprobeVideo, FFPROBE, makeClips, tempDir } from '../media/videoHelpers.js';

function program(): Command {
  const p = new Command('l2caf');
  p.addCommand(videoCommand());
  for (const c of [p, ...p.commands]) c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return p;
}

describe.skipIf(!FFPROBE || !haveFixture('models/darknet-tiny'))('l2caf video', () => {
  let dir: string;
  let clip: string;
  beforeAll(async () => {
    dir = await tempDir('l2caf-vcli-');
    clip = (await makeClips(dir)).vp9;
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes the timeline JSON (documented keys), the CSV and the annotated export', async () => {
    const json = path.join(dir, 't.json');
    const csv = path.join(dir, 't.csv');
    const out = path.join(dir, 'a.mp4');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await program().parseAsync(
        ['video', clip, '--model', 'darknet-tiny', '--method', 'l2caf', '--method', 'gradcam', '--stride', '10', '--workers', '1', '--no-cache', '--json', json, '--csv', csv, '--out', out, '--map-scale', 'clip', '--between', 'blend'],
        { from: 'user' },
      );
    } finally {
      stdout.mockRestore();
    }
    const t = JSON.parse(await readFile(json, 'utf8'));
    expect(Object.keys(t.video).sort()).toEqual(['durationS', 'fps', 'frameCount', 'height', 'path', 'width']);
    expect(t.frames).toHaveLength(3);
    for (const k of ['index', 'timeS', 'width', 'height', 'values', 'predictions', 'iterations', 'loss', 'warmStarted', 'flicker']) expect(t.frames[0]).toHaveProperty(k);
    for (const k of ['framesAnalyzed', 'meanIterations', 'meanFlicker', 'fps', 'wallS']) expect(t.summary).toHaveProperty(k);
    expect(t.frames[2].maps.map((m: { method: string }) => m.method)).toEqual(['l2caf', 'gradcam']);
    const rows = (await readFile(csv, 'utf8')).trimEnd().split('\n');
    expect(rows).toHaveLength(1 + 3 * 2);
    const p = await ffprobeVideo(out);
    expect([p.width, p.height, p.frames]).toEqual([160, 120, 30]);
  });

  it('--no-progress writes no progress line (as volume takes it); without it one is written', async () => {
    const lines = async (extra: string[]): Promise<string> => {
      let err = '';
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
      try {
        await program().parseAsync(['video', clip, '--model', 'darknet-tiny', '--method', 'gradcam', '--stride', '10', '--workers', '0', '--no-cache', '--out', path.join(dir, `p${extra.length}.mp4`), ...extra], { from: 'user' });
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }
      return err;
    };
    expect(await lines([])).toMatch(/^analysing \d+\/\d+ frames/m);
    const quiet = await lines(['--no-progress']);
    expect(quiet).not.toMatch(/analysing|exporting/);
  });

  it('an unwritable output fails before any analysis, naming the file; bad flags are usage errors', async () => {
    const bad = path.join(dir, 'missing-folder', 't.json');
    await expect(program().parseAsync(['video', clip, '--json', bad], { from: 'user' })).rejects.toThrow(/missing-folder\/t\.json: cannot write the timeline JSON: the folder .*missing-folder does not exist/);
    await expect(program().parseAsync(['video', clip, '--preset', 'fast'], { from: 'user' })).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(program().parseAsync(['video', clip, '--from', '2', '--to', '1'], { from: 'user' })).rejects.toThrow(/--from 2 must be before --to 1/);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp') || f.includes('.part'))).toEqual([]);
  });
});
