// makeDirs: mkdir -p that fails where a level cannot be made (Node's recursive mkdir spins forever
// on procfs, where mkdir answers ENOENT under a parent that exists).
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs } from '../../src/fs/makeDirs.js';

describe('makeDirs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-mkdirs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the missing levels, with the mode asked, and leaves a folder that exists', async () => {
    const deep = path.join(dir, 'a', 'b', 'c');
    await makeDirs(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(path.join(dir, 'a')).mode & 0o777).toBe(0o700);
    await makeDirs(deep);
    await makeDirs(dir);
  });

  it('says ENOENT for a link to nowhere in the way (an unmounted drive), as mkdir -p does', async () => {
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    await expect(makeDirs(path.join(dir, 'dangling'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(makeDirs(path.join(dir, 'dangling', 'sub'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(path.join(dir, 'nowhere'))).toBe(false);
  });

  it('says ENOTDIR where a file is in the way', async () => {
    writeFileSync(path.join(dir, 'file'), 'x');
    await expect(makeDirs(path.join(dir, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(makeDirs(path.join(dir, 'file'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it.skipIf(!existsSync('/proc/self'))('fails under /proc with mkdir\'s own error instead of spinning', async () => {
    await expect(makeDirs('/proc/l2caf-no-such/sub')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
