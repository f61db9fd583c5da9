// What kind of input a file is by its name alone. Pure, without Node imports: the app's start
// screen names its recent files with it too (renderer/panels/recentKind.ts).
import type { ItemKind } from './types.js';

const VIDEO = /\.(mp4|m4v|mov|avi|mkv|webm|mpg|mpeg|wmv|flv|ogv|gif)$/i;
const IMAGE = /\.(png|jpe?g|webp|bmp|tiff?)$/i;
const VOLUME = /\.(nii|nii\.gz)$/i;

export function kindByName(file: string): ItemKind | null {
  if (VOLUME.test(file)) return 'volume';
  if (VIDEO.test(file)) return 'video';
  if (IMAGE.test(file)) return 'image';
  return null;
}
