// Export names: the app picks them (no caller names an output path), and the browser saves each
// file under the name the page's link shows: the download route keeps [A-Za-z0-9._-] of a name, so
// an export's own name must be made of those already.
import { describe, expect, it } from 'vitest';
import { downloadName } from '../../src/server/staticPath.js';
import { exportStem } from '../../src/service/exportsFolder.js';

describe('export names', () => {
  it('a stem keeps letters, digits, dot, dash and underscore; the rest becomes _', () => {
    expect(exportStem('/clips/my clip (final).mp4')).toBe('my_clip__final_');
    expect(exportStem('/clips/..hidden.mp4')).toBe('hidden');
    expect(exportStem('/scans/brain.nii.gz')).toBe('brain');
    expect(exportStem('/x/???')).toBe('___');
  });

  it('the download route saves an export and its timeline files under their own names', () => {
    for (const source of ['/clips/my clip (final).mp4', '/c/été à la plage.webm', '/c/plain.mp4']) {
      const name = `${exportStem(source)}-attention-1a2b3c.mp4`;
      for (const file of [name, `${name}.timeline.json`, `${name}.timeline.csv`]) expect(downloadName(`/data/exports/${file}`)).toBe(file);
    }
  });
});
