// The app's data folders are the user's alone (another local user could otherwise read copies of
// their clips and scans), whether the folder is new or was made looser before.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { privateDir } from '../../src/fs/privateDir.js';
import { writeFileAtomic } from '../../src/fs/writeFileAtomic.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-private-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const mode = (p: string) => statSync(p).mode & 0o777;

describe.skipIf(process.platform === 'win32')('privateDir', () => {
  it('creates the folder and its missing parents 0700', async () => {
    const d = path.join(tmp, 'a', 'b', 'uploads');
    expect(await privateDir(d)).toBe(d);
    expect(mode(d)).toBe(0o700);
    expect(mode(path.join(tmp, 'a'))).toBe(0o700);
  });

  it('narrows a folder that exists with wider permissions, and leaves what is in it alone', async () => {
    const d = path.join(tmp, 'video-cache');
    mkdirSync(path.join(d, 'proxies'), { recursive: true });
    chmodSync(d, 0o755);
    chmodSync(path.join(d, 'proxies'), 0o755);
    await privateDir(d);
    expect(mode(d)).toBe(0o700);
    expect(mode(path.join(d, 'proxies'))).toBe(0o755);
  });

  it('writeFileAtomic writes a file with the mode asked for', async () => {
    const f = path.join(tmp, 'recent.json');
    await writeFileAtomic(f, '[]', 0o600);
    expect(mode(f)).toBe(0o600);
  });
});
