// The files the service has opened, with what their probe said. Only these are streamed as media
// (GET /media in the browser mode, the custom protocol in Electron): a page cannot read arbitrary
// files by naming them.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ServiceError, type MediaDescription, type MediaKind } from '../contract/index.js';
import { probeVideo, type VideoInfo } from '../media/probeVideo.js';
import { toServiceError } from './errors.js';

const VOLUME_RE = /\.(nii|nii\.gz|dcm|ima)$/i;
const BROWSER_CODECS = new Set(['h264', 'vp8', 'vp9', 'av1', 'theora']);
const BROWSER_CONTAINERS = /(mp4|webm|matroska|ogg)/;

/** Pure: volume by name or folder, else video (then probed). */
export function kindOf(file: string, isDirectory: boolean): MediaKind {
  return isDirectory || VOLUME_RE.test(file) ? 'volume' : 'video';
}

/** Pure: whether a browser's <video> plays this without conversion. */
export function browserPlayable(info: Pick<VideoInfo, 'videoCodec' | 'container'>): boolean {
  return BROWSER_CODECS.has(info.videoCodec) && BROWSER_CONTAINERS.test(info.container ?? '');
}

export type VideoSummary = MediaDescription['video'] & object;

export class MediaRegistry {
  private readonly allowed = new Set<string>();
  private readonly infos = new Map<string, VideoInfo>();

  isAllowed(file: string): boolean {
    return this.allowed.has(path.resolve(file));
  }

  allow(file: string): void {
    this.allowed.add(path.resolve(file));
  }

  videoInfo(file: string): { path: string; width: number; height: number; fps: number; durationS: number; frameCount: number } {
    const i = this.infos.get(path.resolve(file));
    if (!i) throw new ServiceError('not-found', `"${file}" has not been opened`, file);
    return { path: i.path, width: i.width, height: i.height, fps: i.fps, durationS: i.durationS, frameCount: i.frameCount };
  }

  async open(file: string, signal?: AbortSignal): Promise<MediaDescription> {
    const abs = path.resolve(file);
    const st = await stat(abs).catch(() => null);
    if (!st) throw new ServiceError('media', `"${file}" does not exist`, file);
    const kind = kindOf(abs, st.isDirectory());
    const base = { kind, path: abs, name: path.basename(abs), sizeBytes: st.size, warnings: [] as string[] };
    if (kind === 'volume') {
      this.allow(abs);
      return base;
    }
    if (!st.isFile()) throw new ServiceError('media', `"${file}" is not a file`, file);
    if (st.size === 0) throw new ServiceError('media', `"${file}" is empty`, file);
    let info: VideoInfo;
    try {
      info = await probeVideo(abs, { signal, timeoutMs: 120_000 });
    } catch (e) {
      throw toServiceError(e);
    }
    this.infos.set(abs, info);
    this.allow(abs);
    const playable = browserPlayable(info);
    const warnings = [...info.warnings];
    if (!playable) warnings.push(`${info.videoCodec} in ${info.container ?? 'this container'} does not play in the window: export it to see it animated`);
    return {
      ...base,
      warnings,
      video: {
        width: info.width, height: info.height, fps: info.fps, durationS: info.durationS, frameCount: info.frameCount,
        hasAudio: info.hasAudio, codec: info.videoCodec, playable,
      },
    };
  }
}
