import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanIdentity } from '../../src/batch/scanIdentity.js';

describe('scanIdentity', () => {
  it('a DICOM folder changes identity when a file is rewritten in place (the folder\'s own time does not)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-scanid-'));
    try {
      writeFileSync(path.join(dir, 'a.dcm'), 'aaaa');
      writeFileSync(path.join(dir, 'b.dcm'), 'bbbb');
      const before = await scanIdentity(dir);
      const t = new Date('2026-01-01T00:00:00Z');
      utimesSync(dir, t, t);
      const folderOnly = await scanIdentity(dir);
      expect(folderOnly).toBe(before);
      writeFileSync(path.join(dir, 'b.dcm'), 'bbbbbb');
      utimesSync(dir, t, t); // as if the rewrite had not touched the folder
      expect(await scanIdentity(dir)).not.toBe(before);
      const file = path.join(dir, 'a.dcm');
      expect(await scanIdentity(file)).toMatch(/^4:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
