// The files the service has opened, with what their probe said. A file is registered only after
// its content was checked (a video probed by ffprobe, a scan's header parsed), under its real path
// (symlinks resolved once, here) and its identity (device, inode, size, change time). Only opened videos are streamed as media
// (GET /media/<id> in the browser mode, the custom protocol in Electron), by id: a page cannot
// read arbitrary files by naming them, and a name swapped for a symlink after the open is refused
// by the inode check when it is served (servableFile).
import { createHash, randomBytes } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ServiceError, type MediaDescription, type MediaKind } from '../contract/index.js';
import { makePlayableProxy } from '../media/playableProxy.js';
import { probeVideo, type VideoInfo } from '../media/probeVideo.js';
import { probeVolume } from '../volume/probeVolume.js';
import { toServiceError } from './errors.js';
import { identityOf, type FileIdentity } from '../fs/openVerified.js';
import { privateDir } from '../fs/privateDir.js';

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

const fileOf = (e: Entry): OpenedFile => ({ path: e.path, dev: e.dev, ino: e.ino, size: e.size, ctimeNs: e.ctimeNs });

export class MediaRegistry {
  private readonly byPath = new Map<string, Entry>();
  private readonly byId = new Map<string, Entry>();
  private readonly infos = new Map<string, VideoInfo>();
  /**
   * Playable copies being made or made, by the original's media id: one ffmpeg per clip, shared by
   * every caller, stopped when every caller waiting for it has given up (`waiting`).
   */
  private readonly proxies = new Map<string, { made: Promise<{ mediaId: string; codec: string }>; stop: AbortController; waiting: number }>();

  /** Whether `file` (a path media.open answered with) has been opened. */
  isAllowed(file: string): boolean {
    return this.byPath.has(path.resolve(file));
  }

  /** What `file` (a path media.open answered with) was when opened: a job records it, so an export can tell the clip changed since. */
  identity(file: string): OpenedFile | undefined {
    const e = this.byPath.get(path.resolve(file));
    return e && fileOf(e);
  }

  /** The opened video behind a media id, or undefined (unknown id, or a scan: scans travel as voxels). */
  servableFile(id: string): OpenedFile | undefined {
    const e = this.byId.get(id);
    return e && e.kind === 'video' ? fileOf(e) : undefined;
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

  /** What media.open warned of about `file` (the page showed it then): [] when not opened. */
  openWarnings(file: string): readonly string[] {
    return this.infos.get(path.resolve(file))?.warnings ?? [];
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
    // A clip the window cannot play is shown from a converted copy (media.proxy): nothing to warn about.
    const warnings = [...info.warnings];
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

  /**
   * A copy of an opened video that the window can play (H.264 or VP9: playableProxy.ts), made once
   * into `dir` (named by the original's identity, so an edited clip gets a new one) and registered
   * as media of its own: the answer is the id to stream it by.
   */
  proxy(mediaId: string, dir: string, signal?: AbortSignal): Promise<{ mediaId: string; codec: string }> {
    const e = this.byId.get(mediaId);
    if (!e || e.kind !== 'video') return Promise.reject(new ServiceError('not-found', `no opened video has the id "${mediaId}"`));
    if (signal?.aborted) return Promise.reject(new ServiceError('cancelled', `the playable copy of ${e.path} was cancelled`, e.path));
    let p = this.proxies.get(mediaId);
    if (!p) {
      const stop = new AbortController();
      const made = (async () => {
        const name = createHash('sha256').update(`${e.path}\0${e.dev}:${e.ino}:${e.size}:${e.ctimeNs}`).digest('hex').slice(0, 24);
        try {
          await privateDir(dir);
          const exists = async (f: string) => ((await stat(f).catch(() => null))?.size ?? 0) > 0;
          const made = await makePlayableProxy(e.path, path.join(dir, name), { signal: stop.signal, exists });
          const real = await realpath(made.file);
          return { mediaId: this.register(real, 'video', await stat(real, { bigint: true })).id, codec: made.codec };
        } catch (err) {
          throw toServiceError(err);
        }
      })();
      p = { made, stop, waiting: 0 };
      const entry = p;
      // a failed or cancelled copy may be asked for again
      made.catch(() => {
        if (this.proxies.get(mediaId) === entry) this.proxies.delete(mediaId);
      });
      this.proxies.set(mediaId, p);
    }
    const entry = p;
    entry.waiting++;
    if (!signal) return entry.made;
    // This caller gives up on its signal; the copy goes on while anyone else still waits for it.
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        reject(new ServiceError('cancelled', `the playable copy of ${e.path} was cancelled`, e.path));
        if (--entry.waiting === 0) {
          entry.stop.abort();
          if (this.proxies.get(mediaId) === entry) this.proxies.delete(mediaId);
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry.made.then(
        (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
    });
  }
}
