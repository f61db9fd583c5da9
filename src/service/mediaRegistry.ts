// The files the service has opened, with what their probe said. A file is registered only after
// its content was checked (a video probed by ffprobe, a scan's header parsed), under its real path
// (symlinks resolved once, here) and its identity (device, inode, size, change time). Only opened videos are streamed as media
// (GET /media/<id> in the browser mode, the custom protocol in Electron), by id: a page cannot
// read arbitrary files by naming them, and a name swapped for a symlink after the open is refused
// by the inode check when it is served (servableFile).
import { randomBytes } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ServiceError, type MediaDescription, type MediaKind } from '../contract/index.js';
import { probeVideo, type VideoInfo } from '../media/probeVideo.js';
import { probeVolume } from '../volume/probeVolume.js';
import { toServiceError } from './errors.js';
import { identityOf, type FileIdentity } from '../fs/openVerified.js';

/** An opened file as the transports may serve it (src/fs/openVerified.ts). */
export type OpenedFile = FileIdentity;

interface Entry extends FileIdentity {
  id: string;
  kind: MediaKind;
}

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
  private readonly byPath = new Map<string, Entry>();
  private readonly byId = new Map<string, Entry>();
  private readonly infos = new Map<string, VideoInfo>();

  /** Whether `file` (a path media.open answered with) has been opened. */
  isAllowed(file: string): boolean {
    return this.byPath.has(path.resolve(file));
  }

  /** The opened video behind a media id, or undefined (unknown id, or a scan: scans travel as voxels). */
  servableFile(id: string): OpenedFile | undefined {
    const e = this.byId.get(id);
    return e && e.kind === 'video' ? { path: e.path, dev: e.dev, ino: e.ino, size: e.size, ctimeNs: e.ctimeNs } : undefined;
  }

  private register(real: string, kind: MediaKind, st: { dev: bigint; ino: bigint; size: bigint; ctimeNs: bigint }): Entry {
    const now = identityOf(real, st);
    const known = this.byPath.get(real);
    if (known && known.kind === kind && known.dev === now.dev && known.ino === now.ino && known.size === now.size && known.ctimeNs === now.ctimeNs) return known;
    if (known) this.byId.delete(known.id);
    const e: Entry = { id: `media-${randomBytes(8).toString('hex')}`, kind, ...now };
    this.byPath.set(real, e);
    this.byId.set(e.id, e);
    return e;
  }

  videoInfo(file: string): { path: string; width: number; height: number; fps: number; durationS: number; frameCount: number } {
    const i = this.infos.get(path.resolve(file));
    if (!i) throw new ServiceError('not-found', `"${file}" has not been opened`, file);
    return { path: i.path, width: i.width, height: i.height, fps: i.fps, durationS: i.durationS, frameCount: i.frameCount };
  }

  async open(file: string, signal?: AbortSignal): Promise<MediaDescription> {
    const real = await realpath(path.resolve(file)).catch(() => null);
    const st = real ? await stat(real, { bigint: true }).catch(() => null) : null;
    if (!real || !st) throw new ServiceError('media', `"${file}" does not exist`, file);
    const kind = kindOf(real, st.isDirectory());
    const base = { kind, path: real, name: path.basename(real), sizeBytes: Number(st.size), warnings: [] as string[] };
    if (kind === 'volume') {
      try {
        await probeVolume(real, st.isDirectory());
      } catch (e) {
        // VolumeError's message already names the file
        throw new ServiceError('media', (e as Error).message, file);
      }
      return { ...base, mediaId: this.register(real, kind, st).id };
    }
    if (!st.isFile()) throw new ServiceError('media', `"${file}" is not a file`, file);
    if (st.size === 0n) throw new ServiceError('media', `"${file}" is empty`, file);
    let info: VideoInfo;
    try {
      info = await probeVideo(real, { signal, timeoutMs: 120_000 });
    } catch (e) {
      throw toServiceError(e);
    }
    this.infos.set(real, info);
    const entry = this.register(real, kind, st);
    const playable = browserPlayable(info);
    const warnings = [...info.warnings];
    if (!playable) warnings.push(`${info.videoCodec} in ${info.container ?? 'this container'} does not play in the window: export it to see it animated`);
    return {
      ...base,
      mediaId: entry.id,
      warnings,
      video: {
        width: info.width, height: info.height, fps: info.fps, durationS: info.durationS, frameCount: info.frameCount,
        hasAudio: info.hasAudio, codec: info.videoCodec, playable,
      },
    };
  }
}
