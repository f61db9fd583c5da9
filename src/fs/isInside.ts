// Whether a path lies inside a folder: the one containment test of the project (weight paths of
// a model folder, the renderer's static files, outputs inside an input folder). Both paths
// absolute and resolved the same way (real paths where symlinks matter). Pure.
import path from 'node:path';

/** `file` is strictly inside `folder` (not the folder itself). */
export function isInside(file: string, folder: string): boolean {
  const rel = path.relative(folder, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}
