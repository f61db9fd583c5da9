// Command-line errors that need no model: each names the file and the problem.
import { describe, it, expect } from 'vitest';
import { CommanderError } from 'commander';
import { evalCommand, expandImages } from '../../src/cli/evalCommand.js';
import { evalVideoCommand } from '../../src/cli/evalVideoCommand.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const silent = (c: ReturnType<typeof evalCommand>) => c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });

describe('l2caf eval / eval-video arguments', () => {
  it('a missing image or boxes file is named', async () => {
    await expect(silent(evalCommand()).parseAsync(['/nonexistent/a.png'], { from: 'user' })).rejects.toThrow(/^\/nonexistent\/a\.png: no such file or folder$/);
  });
  it('eval-video needs --track, and a missing track is named', async () => {
    await expect(silent(evalVideoCommand()).parseAsync(['clip.mp4'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    await expect(silent(evalVideoCommand()).parseAsync(['clip.mp4', '--track', '/nonexistent/t.csv'], { from: 'user' })).rejects.toThrow(/\/nonexistent\/t\.csv: cannot read the track \(no such file\)/);
  });
  it('bad flag values are usage errors', async () => {
    await expect(silent(evalCommand()).parseAsync(['a.png', '--baseline', 'grey'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
    await expect(silent(evalCommand()).parseAsync(['a.png', '--steps', '0'], { from: 'user' })).rejects.toBeInstanceOf(CommanderError);
  });
  it.skipIf(!haveFixture('images'))('a folder stands for its images, sorted', async () => {
    const files = await expandImages([fixture('images')]);
    expect(files.map((f) => f.split('/').pop())).toEqual(['apple.jpg', 'butterfly.jpg', 'chelsea.png', 'coffee.png', 'orange.jpg']);
  });
});
