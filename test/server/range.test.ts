import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/server/range.js';
import { resolveStaticPath } from '../../src/server/staticPath.js';
import { safeUploadName } from '../../src/server/upload.js';
import { isAllowedHost } from '../../src/server/server.js';

describe('parseRange', () => {
  it('serves the whole file without a header or with one it does not understand', () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: 'full' });
    expect(parseRange('items=0-5', 100)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-1,5-6', 100)).toEqual({ kind: 'full' });
  });
  it('reads start-end, open ends and suffixes, clamped to the file', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ kind: 'partial', start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=95-200', 100)).toEqual({ kind: 'partial', start: 95, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ kind: 'partial', start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ kind: 'partial', start: 0, end: 99 });
  });
  it('refuses ranges outside the file', () => {
    expect(parseRange('bytes=100-', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=9-3', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-0', 100)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=-', 100)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('resolveStaticPath', () => {
  const root = '/srv/app';
  it('maps paths inside the folder, / to index.html', () => {
    expect(resolveStaticPath(root, '/')).toBe('/srv/app/index.html');
    expect(resolveStaticPath(root, '/app.js')).toBe('/srv/app/app.js');
    expect(resolveStaticPath(root, '/a/b.css')).toBe('/srv/app/a/b.css');
  });
  it('refuses traversal in every spelling, dot files, NUL and backslashes', () => {
    for (const p of ['/../etc/passwd', '/a/../../x', '/%2e%2e/etc/passwd', '/%2e%2e%2fetc%2fpasswd', '/..%5c..%5cwin.ini', '/.env', '/a/.git/config', '/x%00.js', '/%E0%A4%A']) {
      expect(resolveStaticPath(root, p), p).toBeNull();
    }
  });
});

describe('safeUploadName', () => {
  it('keeps the base name and extension, drops directories and odd characters', () => {
    expect(safeUploadName('car-detection.mp4')).toBe('car-detection.mp4');
    expect(safeUploadName('../../etc/passwd')).toBe('passwd');
    expect(safeUploadName('C:\\Users\\me\\clip (1).mp4')).toBe('clip (1).mp4');
    expect(safeUploadName('...hidden')).toBe('hidden');
    expect(safeUploadName('a$b`c.mp4')).toBe('a_b_c.mp4');
    expect(safeUploadName('')).toBe('upload');
  });
});

describe('isAllowedHost', () => {
  it('accepts only this port on the loopback names (DNS rebinding)', () => {
    expect(isAllowedHost('127.0.0.1:4000', 4000)).toBe(true);
    expect(isAllowedHost('localhost:4000', 4000)).toBe(true);
    expect(isAllowedHost('evil.example:4000', 4000)).toBe(false);
    expect(isAllowedHost('127.0.0.1:4001', 4000)).toBe(false);
    expect(isAllowedHost(undefined, 4000)).toBe(false);
  });
});
