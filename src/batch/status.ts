// status.json: read tolerantly (a missing or foreign file means "not finished"), written last by
// atomic rename so a killed run never leaves one that looks finished.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import type { ItemStatus, ItemSummary } from './types.js';

export const STATUS_FILE = 'status.json';
export const SUMMARY_FILE = 'summary.json';

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

export function isItemStatus(v: unknown): v is ItemStatus {
  const o = v as Partial<ItemStatus> | null;
  return !!o && (o.status === 'done' || o.status === 'failed') && typeof o.settingsHash === 'string';
}

export async function readStatus(itemDir: string): Promise<ItemStatus | null> {
  const v = await readJson(path.join(itemDir, STATUS_FILE));
  return isItemStatus(v) ? v : null;
}

export async function readSummary(itemDir: string): Promise<ItemSummary | null> {
  const v = (await readJson(path.join(itemDir, SUMMARY_FILE))) as ItemSummary | null;
  return v && typeof v === 'object' && typeof v.kind === 'string' ? v : null;
}

export async function writeStatus(itemDir: string, s: ItemStatus): Promise<void> {
  await writeFileAtomic(path.join(itemDir, STATUS_FILE), JSON.stringify(s, null, 2) + '\n');
}

export async function writeSummary(itemDir: string, s: ItemSummary): Promise<void> {
  await writeFileAtomic(path.join(itemDir, SUMMARY_FILE), JSON.stringify(s) + '\n');
}

/**
 * Whether a rerun may skip the item: done under the same settings and the same model weights
 * (`modelSha`: the model's now; null, a model not on disk, matches only null), so replaced weights
 * in a model folder redo the items. The caller also checks that summary.json is readable.
 */
export function isFinished(s: ItemStatus | null, hash: string, modelSha: string | null): boolean {
  return !!s && s.status === 'done' && s.settingsHash === hash && s.modelSha === modelSha;
}
