// What the ffmpeg at hand can do, asked once per binary: which encoders it has (the bundled static
// build has libx264 and libvpx-vp9, a distribution build may lack them) and whether it knows
// -fps_mode (ffmpeg 5.1+; older builds only have -vsync, newer ones warn about it). Parsers are
// pure; featuresOf() runs `ffmpeg -encoders` and `ffmpeg -h long` and caches the answer.
import { ffmpegBinary } from './ffmpegPath.js';
import { runFfmpeg } from './runFfmpeg.js';

export interface FfmpegFeatures {
  /** Encoder names ('libx264', 'mpeg4', 'libvpx-vp9', 'aac', 'libopus', 'gif', 'png', ...). */
  encoders: Set<string>;
  /** True when the per-stream -fps_mode option exists (else use -vsync). */
  fpsMode: boolean;
}

/**
 * Encoder names from `ffmpeg -encoders`. Rows look like " V....D libx264    libx264 H.264 ...":
 * a six-letter flag column (type V/A/S then capability letters or dots), then the name.
 */
export function parseEncoders(text: string): Set<string> {
  const out = new Set<string>();
  let inTable = false;
  for (const line of text.split(/\r?\n/)) {
    // The legend ends with a " ------" line; rows follow.
    if (/^\s*-{3,}\s*$/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    const m = /^\s*([VAS][A-Z.]{5})\s+(\S+)\s/.exec(line);
    if (m) out.add(m[2]!);
  }
  return out;
}

/** True when `ffmpeg -h long` lists the option (e.g. "-fps_mode"). */
export function helpHasOption(helpText: string, option: string): boolean {
  const re = new RegExp(`^${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`, 'm');
  return re.test(helpText);
}

/** The arguments that make ffmpeg pass frames through with their timestamps, neither duplicating nor dropping. */
export function passthroughArgs(features: Pick<FfmpegFeatures, 'fpsMode'>): string[] {
  return features.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
}

const cache = new Map<string, Promise<FfmpegFeatures>>();

/** The features of `binary` (default: the resolved ffmpeg), probed once per process. */
export function featuresOf(binary?: string): Promise<FfmpegFeatures> {
  const bin = binary ?? ffmpegBinary().path;
  let p = cache.get(bin);
  if (!p) {
    p = (async () => {
      const [enc, help] = await Promise.all([
        runFfmpeg(['-encoders'], { ffmpegPath: bin, timeoutMs: 30_000 }),
        runFfmpeg(['-h', 'long'], { ffmpegPath: bin, timeoutMs: 30_000 }),
      ]);
      return {
        encoders: parseEncoders(enc.stdout.toString('utf8')),
        fpsMode: helpHasOption(help.stdout.toString('utf8'), '-fps_mode'),
      };
    })();
    // A failure (binary missing) is not cached: the next call reports it again, or succeeds once fixed.
    p.catch(() => cache.delete(bin));
    cache.set(bin, p);
  }
  return p;
}
