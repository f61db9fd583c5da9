// diskSize: a file's bytes, or the sum of a (PNG-sequence) folder's files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diskSize } from '../../src/fs/diskSize.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'l2caf-disksize-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('diskSize', () => {
  it('a file: its size; a folder: the sum of its files (sub-folders not counted); missing: an error', async () => {
    writeFileSync(path.join(root, 'a.bin'), Buffer.alloc(1234));
    const dir = path.join(root, 'frames');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'frame_000001.png'), Buffer.alloc(1000));
    writeFileSync(path.join(dir, 'frame_000002.png'), Buffer.alloc(2000));
    writeFileSync(path.join(dir, 'timeline.json'), Buffer.alloc(30));
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'x'), Buffer.alloc(5000));
    expect(await diskSize(path.join(root, 'a.bin'))).toBe(1234);
    expect(await diskSize(dir)).toBe(3030);
    await expect(diskSize(path.join(root, 'nope'))).rejects.toThrow(/ENOENT/);
  });
});
