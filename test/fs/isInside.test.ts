import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isInside } from '../../src/fs/isInside.js';

describe('isInside', () => {
  const root = path.resolve('/data/model');
  it('inside at any depth, not the folder itself, not a sibling sharing its prefix, not above it', () => {
    expect(isInside(path.join(root, 'model.json'), root)).toBe(true);
    expect(isInside(path.join(root, 'a', 'b.bin'), root)).toBe(true);
    expect(isInside(path.join(root, '..x'), root)).toBe(true); // a name that starts with two dots
    expect(isInside(root, root)).toBe(false);
    expect(isInside(`${root}2/model.json`, root)).toBe(false);
    expect(isInside(path.resolve('/data'), root)).toBe(false);
    expect(isInside(path.resolve('/etc/passwd'), root)).toBe(false);
  });
});
