// A copy of a clip that a browser's <video> plays, for clips it cannot (MS-MPEG4 in AVI, GIF,
// ProRes, ...): the window shows the proxy while the analysis reads the original. Every source
// frame is kept with its own timestamp (passthrough), so a time on the proxy is the same frame of
// the original and the attention drawn over it lines up. H.264 in MP4 where this ffmpeg has
// libx264, else VP9 (or VP8) in WebM: what every Chromium plays. No audio (the player is muted).
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { featuresOf, passthroughArgs, type FfmpegFeatures } from './ffmpegFeatures.js';
import { MediaError } from './errors.js';
import { runFfmpeg } from './runFfmpeg.js';
import { removeAtExit } from '../fs/exitCleanup.js';

export interface ProxyPlan {
  args: string[];
  /** '.mp4' or '.webm' */
  ext: string;
  codec: string;
}

/** The ffmpeg arguments for a proxy of `src` written to `out` (its extension chosen here). Pure. */
export function proxyPlan(src: string, out: string, features: FfmpegFeatures): ProxyPlan {
  const has = (e: string) => features.encoders.has(e);
  // 4:2:0 needs even sides: a GIF of odd width gets one black column
  const vf = ['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2,format=yuv420p'];
  let video: string[];
  let ext: string;
  let codec: string;
  if (has('libx264')) {
    [ext, codec] = ['.mp4', 'libx264'];
    video = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-movflags', '+faststart'];
  } else if (has('libvpx-vp9') || has('libvpx')) {
    [ext, codec] = ['.webm', has('libvpx-vp9') ? 'libvpx-vp9' : 'libvpx'];
    video = ['-c:v', codec, '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '0', '-crf', '34', ...(codec === 'libvpx-vp9' ? ['-row-mt', '1'] : [])];
  } else {
    throw new MediaError('ffmpeg-failed', `${src}: this ffmpeg has no H.264 or VP8/VP9 encoder to make a copy the window can play`);
  }
  const file = out.replace(/\.(mp4|webm)$/i, '') + ext;
  return {
    // -copyts: the copy's frames keep the original's timestamps, so a clip whose first frame is not
    // at 0 (MPEG-TS starts at 1.4 s or later) plays at the times the analysis recorded; Chromium
    // plays such an MP4 at its absolute times (checked: first frame at 12.8 s for a TS clip starting there)
    args: ['-v', 'error', '-y', '-i', `file:${path.resolve(src)}`, '-map', '0:v:0', '-an', '-sn', '-copyts', ...passthroughArgs(features), ...vf, ...video, `file:${file}`],
    ext,
    codec,
  };
}

export interface ProxyResult {
  file: string;
  codec: string;
}

/**
 * Writes the proxy of `src` beside `outStem` (+ .mp4 or .webm), by temporary name and rename: a
 * proxy that exists is complete. Resolves to it; an existing one is reused.
 */
export async function makePlayableProxy(src: string, outStem: string, opts: { signal?: AbortSignal; timeoutMs?: number; exists?: (f: string) => Promise<boolean> } = {}): Promise<ProxyResult> {
  const features = await featuresOf();
  const final = proxyPlan(src, outStem, features);
  const file = outStem + final.ext;
  if (opts.exists && (await opts.exists(file))) return { file, codec: final.codec };
  const part = path.join(path.dirname(file), `.${path.basename(outStem)}.${process.pid}.part${final.ext}`);
  const plan = proxyPlan(src, part, features);
  const forget = removeAtExit(part);
  try {
    await runFfmpeg(plan.args, { input: src, signal: opts.signal, timeoutMs: opts.timeoutMs ?? 30 * 60_000 });
    await rename(part, file);
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  } finally {
    forget();
  }
  return { file, codec: final.codec };
}
