// A FIFO (or a device) given as a scan used to hang the read for good; every reader must refuse it
// at once with one line naming the file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { probeVolume } from '../../src/volume/probeVolume.js';
import { readDicomSeries } from '../../src/volume/readDicomSeries.js';
import { readNiftiFile } from '../../src/volume/readNifti.js';
import { readVolume } from '../../src/volume/readVolume.js';
import { kindOf, notRegularReason, openRegularFile, readRegularFile } from '../../src/fs/regularFile.js';
import { writeTwoSliceSeries } from './dicomBuilder.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'l2caf-regular-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const kind = (which: string) => {
  const is = (k: string) => () => k === which;
  return {
    isFile: is('file'), isDirectory: is('dir'), isFIFO: is('fifo'), isCharacterDevice: is('chr'),
    isBlockDevice: is('blk'), isSocket: is('sock'), isSymbolicLink: is('link'),
  };
};

describe('kindOf / notRegularReason', () => {
  it('names each kind of path', () => {
    expect(notRegularReason(kind('file'))).toBeNull();
    expect(notRegularReason(kind('fifo'))).toBe('not a regular file (a FIFO)');
    expect(notRegularReason(kind('dir'))).toBe('not a regular file (a directory)');
    expect(kindOf(kind('chr'))).toBe('a character device');
    expect(kindOf(kind('blk'))).toBe('a block device');
    expect(kindOf(kind('sock'))).toBe('a socket');
    expect(kindOf(kind('link'))).toBe('a symbolic link');
  });
});

/** Resolves with the error `p` rejects with, failing if it takes more than a second. */
async function promptError(p: Promise<unknown>): Promise<Error> {
  const t0 = Date.now();
  const err = await p.then(() => new Error('expected a rejection'), (e: Error) => e);
  expect(Date.now() - t0).toBeLessThan(1000);
  return err;
}

describe.skipIf(process.platform === 'win32')('non-regular files are refused at once', () => {
  const fifo = path.join(root, 'vf.nii');
  const fifoGz = path.join(root, 'vf.nii.gz');
  execFileSync('mkfifo', [fifo, fifoGz]);

  it('readVolume, readNiftiFile, probeVolume: one line naming the FIFO', { timeout: 5000 }, async () => {
    for (const f of [fifo, fifoGz]) {
      for (const read of [() => readVolume(f), () => readNiftiFile(f), () => probeVolume(f, false)]) {
        const err = await promptError(read());
        expect(err.name).toBe('VolumeError');
        expect(err.message).toBe(`${f}: not a regular file (a FIFO)`);
      }
    }
  });

  it('readVolume names a character device', { timeout: 5000 }, async () => {
    expect((await promptError(readVolume('/dev/null'))).message).toBe('/dev/null: not a regular file (a character device)');
  });

  it('openRegularFile / readRegularFile refuse a FIFO without waiting for a writer', { timeout: 5000 }, async () => {
    expect((await promptError(openRegularFile(fifo))).message).toBe('not a regular file (a FIFO)');
    expect((await promptError(readRegularFile(fifo))).name).toBe('NotRegularFileError');
    const plain = path.join(root, 'plain.txt');
    writeFileSync(plain, 'abc');
    expect((await readRegularFile(plain)).toString()).toBe('abc');
    await expect(readRegularFile(path.join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a DICOM folder passes over a FIFO among its files, and a FIFO is not a folder', { timeout: 5000 }, async () => {
    const dir = path.join(root, 'series');
    writeTwoSliceSeries(dir);
    execFileSync('mkfifo', [path.join(dir, '2.dcm')]);
    const t0 = Date.now();
    expect((await readDicomSeries(dir)).dims).toEqual([2, 1, 2]);
    await probeVolume(dir, true);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await promptError(readDicomSeries(fifo))).message).toBe(`${fifo}: is not a folder`);
  });
});
