// Electron's shell.saveExport (electron/exportDelivery.ts) with a fake dialog: the page names an
// export by handle only; the main process copies it (and its timeline sidecars) where the dialog
// was told, and reveals it. A PNG folder is revealed where it is (issue 18, item 3).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { saveExport } from '../../electron/exportDelivery.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-deliver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function deps(downloads: Record<string, string>, answer: string | null) {
  const revealed: string[] = [];
  const asked: string[] = [];
  return {
    revealed,
    asked,
    d: {
      service: { downloadPath: async (h: string) => downloads[h] },
      askSavePath: async (name: string) => (asked.push(name), answer),
      reveal: (f: string) => void revealed.push(f),
    },
  };
}

describe('saving an export from Electron', () => {
  const exp = path.join(dir, 'exports', 'clip-attention-abc123.mp4');
  mkdirSync(path.dirname(exp), { recursive: true });
  writeFileSync(exp, 'video bytes');
  writeFileSync(`${exp}.timeline.json`, '{"frames":[]}');
  writeFileSync(`${exp}.timeline.csv`, 'index\n');

  it('copies the export and its sidecars to the path the dialog gave, then reveals it', async () => {
    const dest = path.join(dir, 'mine.mp4');
    writeFileSync(dest, 'old'); // the dialog asked before replacing it (showOverwriteConfirmation)
    const { d, revealed, asked } = deps({ 'dl-1': exp }, dest);
    expect(await saveExport(d, 'dl-1')).toEqual({ path: dest });
    expect(asked).toEqual(['clip-attention-abc123.mp4']);
    expect(readFileSync(dest, 'utf8')).toBe('video bytes');
    expect(readFileSync(`${dest}.timeline.json`, 'utf8')).toBe('{"frames":[]}');
    expect(readFileSync(`${dest}.timeline.csv`, 'utf8')).toBe('index\n');
    expect(revealed).toEqual([dest]);
  });

  it('does nothing when the dialog is cancelled, refuses unknown handles, reveals PNG folders in place', async () => {
    const cancelled = deps({ 'dl-1': exp }, null);
    expect(await saveExport(cancelled.d, 'dl-1')).toBeNull();
    expect(cancelled.revealed).toEqual([]);
    await expect(saveExport(deps({}, '/tmp/x').d, 'dl-nope')).rejects.toMatchObject({ code: 'not-found' });
    const folder = path.join(dir, 'exports', 'clip-attention-png');
    mkdirSync(folder);
    const f = deps({ 'dl-2': folder }, '/never/asked');
    expect(await saveExport(f.d, 'dl-2')).toEqual({ path: folder });
    expect(f.asked).toEqual([]);
    expect(f.revealed).toEqual([folder]);
  });
});
