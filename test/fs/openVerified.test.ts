import { mkdtempSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { identityOf, openVerified, type FileIdentity } from '../../src/fs/openVerified.js';

const dir = mkdtempSync(path.join(tmpdir(), 'l2caf-verified-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function identity(file: string): FileIdentity {
  return identityOf(file, statSync(file, { bigint: true }));
}

async function opens(f: FileIdentity): Promise<boolean> {
  const o = await openVerified(f);
  await o?.handle.close();
  return o !== null;
}

describe('openVerified: the file that was checked, or nothing', () => {
  it('opens the same file, with its size', async () => {
    const file = path.join(dir, 'same.bin');
    writeFileSync(file, 'twelve bytes');
    const o = await openVerified(identity(file));
    expect(o?.size).toBe(12);
    await o?.handle.close();
  });

  it('refuses a file deleted and written again under the same name, even with the same inode number and size', async () => {
    const file = path.join(dir, 'swapped.bin');
    writeFileSync(file, 'aaaa');
    const before = identity(file);
    unlinkSync(file);
    writeFileSync(file, 'bbbb');
    // whether or not the file system handed the inode number back, this is not the file that was checked
    expect(await opens(before)).toBe(false);
    // the identity carries what tells them apart when the inode number is reused
    expect(identity(file).ctimeNs).not.toBe(before.ctimeNs);
  });

  it('refuses a file rewritten in place (same inode, same size)', async () => {
    const file = path.join(dir, 'rewritten.bin');
    writeFileSync(file, 'cccc');
    const before = identity(file);
    await new Promise((r) => setTimeout(r, 5));
    writeFileSync(file, 'dddd');
    expect(identity(file).ino).toBe(before.ino);
    expect(await opens(before)).toBe(false);
  });

  it('refuses a symlink put in its place, and a missing file', async () => {
    const file = path.join(dir, 'link.bin');
    writeFileSync(path.join(dir, 'target.bin'), 'eeee');
    writeFileSync(file, 'eeee');
    const before = identity(file);
    unlinkSync(file);
    symlinkSync(path.join(dir, 'target.bin'), file);
    expect(await opens(before)).toBe(false);
    unlinkSync(file);
    expect(await opens(before)).toBe(false);
  });
});
