// Where a weight-manifest path of a local model.json may point: inside the model's folder and
// nowhere else, after URL decoding and after symlinks are followed. A manifest is data from the
// model's author; without this `../../../../etc/passwd` (or a shard symlinked out of the folder)
// would be read as weights. The downloader refuses such names by its stricter catalogue rule
// (isSafeRelativePath); this is the loader's rule for folders the user names.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../fs/isInside.js';

/** Pure: the decoded relative path when it stays lexically inside its folder, else null. */
export function insideRelative(rel: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return null;
  }
  if (!decoded || decoded.includes('\0') || decoded.includes('\\') || path.isAbsolute(decoded)) return null;
  if (decoded.split('/').some((s) => s === '..')) return null;
  return decoded;
}

/**
 * The file a manifest path names under `dir`, or an Error saying why it is refused (the message
 * names the manifest and the path). A missing file is returned as a path: the caller reports it.
 */
export async function weightFile(dir: string, rel: string, manifest: string): Promise<string | Error> {
  const decoded = insideRelative(rel);
  const refused = () => new Error(`${manifest}: weight path ${JSON.stringify(rel)} leaves the model folder`);
  if (decoded === null) return refused();
  const file = path.resolve(dir, decoded);
  const real = await realpath(file).catch(() => null);
  if (real === null) return file;
  const root = await realpath(dir);
  return isInside(real, root) ? file : refused();
}
