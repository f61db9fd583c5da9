// Where the shared fixtures live, and a skip reason when they are absent (a fresh clone elsewhere).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = path.resolve(PROJECT_ROOT, '..', 'shared', 'fixtures');

/** Absolute path of a fixture (relative to ../shared/fixtures). */
export function fixture(rel: string): string {
  return path.join(FIXTURES, rel);
}

/** True when the fixture exists; otherwise prints why the dependent tests are skipped. */
export function haveFixture(rel: string): boolean {
  const p = fixture(rel);
  if (existsSync(p)) return true;
  console.warn(`[skip] fixture missing: ${p} (tests that need ../shared/fixtures are skipped)`);
  return false;
}
