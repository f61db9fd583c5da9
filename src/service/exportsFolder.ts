// Where the service writes exports: its own exports folder, under names it chooses. No caller
// names an output path (a page, or another local user who reached the server, could otherwise
// replace any file the service's user may write); the browser gets the file as a download and
// Electron's main process copies it to where its save dialog was told (electron/exportDelivery.ts).
// Files leave only by download handles: random ids the service hands out in its answers.
import { randomBytes } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { privateDir } from '../fs/privateDir.js';

/**
 * Pure: a name with every character but [A-Za-z0-9._-] made '_'. Export names are made of these, and
 * the download route saves a file under its name passed through this again, so a page's link names
 * the file as it is saved (no spaces either).
 */
export function safeNameChars(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Pure: a harmless stem from a source file's name (no extension, no separators or odd characters). */
export function exportStem(sourcePath: string): string {
  const base = path.basename(sourcePath).replace(/(\.nii\.gz|\.[^.]+)$/i, '');
  return safeNameChars(base).replace(/^\.+/, '').slice(0, 80) || 'export';
}

/**
 * A fresh path in `<dataDir>/exports` (created private to the user): `<stem>-attention-<tag>-<hex><ext>`,
 * never the name of something that exists. `ext` includes its dot ('' for a PNG folder).
 */
export async function newExportPath(dataDir: string, sourcePath: string, tag: string, ext: string): Promise<string> {
  const dir = await privateDir(path.join(dataDir, 'exports'));
  for (;;) {
    const name = `${exportStem(sourcePath)}-attention${tag ? `-${tag}` : ''}-${randomBytes(3).toString('hex')}${ext}`;
    const p = path.join(dir, name);
    if (!(await lstat(p).catch(() => null))) return p;
  }
}

/**
 * Registers a file the service wrote (an export, a timeline file beside it) for download and
 * returns its handle: random (64 bits), so that only the service's answers name a file to
 * download; the browser fetches it by /download/<handle>, Electron's main process saves it.
 */
export function registerDownload(downloads: Map<string, string>, file: string): string {
  const handle = `dl-${randomBytes(8).toString('hex')}`;
  downloads.set(handle, file);
  return handle;
}
