// Maps a URL path to a file under the renderer folder, refusing anything that would leave it
// (../, encoded ../, absolute paths, NUL, backslashes, dot files). Pure apart from path.resolve.
import path from 'node:path';
import { isInside } from '../fs/isInside.js';
import { safeNameChars } from '../service/exportsFolder.js';

export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const segments = rel.split('/');
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return null;
  const rootAbs = path.resolve(root);
  const abs = path.resolve(rootAbs, rel);
  if (abs !== rootAbs && !isInside(abs, rootAbs)) return null;
  return abs;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const MEDIA_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.ogv': 'video/ogg',
  '.gif': 'image/gif',
  '.png': 'image/png',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export function mediaType(file: string): string {
  return MEDIA_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** An export's files as downloads: the clip (its media type) or its timeline sidecars. */
const DOWNLOAD_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
};

export function downloadType(file: string): string {
  return DOWNLOAD_TYPES[path.extname(file).toLowerCase()] ?? mediaType(file);
}

/** The file name a download is saved under (Content-Disposition): the basename, odd characters as '_'. */
export function downloadName(file: string): string {
  return safeNameChars(path.basename(file));
}
