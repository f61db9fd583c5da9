// Parses ffmpeg's progress reports, for progress bars on long video jobs. Pure.
// Two sources are understood:
//  - `-progress pipe:1` (or pipe:2): one key=value per line, a block ending with progress=continue|end:
//      frame=13 / fps=0.00 / out_time_us=1040000 / out_time_ms=1040000 / out_time=00:00:01.040000 /
//      speed=69.9x / progress=end
//    out_time_ms is in MICROseconds too (a long-standing ffmpeg quirk); out_time_us only exists
//    since ffmpeg 4.4-ish, so both are read. Values are N/A before the first frame.
//  - the classic stats line on stderr:
//      frame=   13 fps=0.0 q=-0.0 Lsize=N/A time=00:00:01.04 bitrate=N/A speed=70.4x
import { parseTimestamp } from './ffmpegInfo.js';

export interface ProgressUpdate {
  frame?: number;
  fps?: number | null;
  /** Output position in microseconds. */
  outTimeUs?: number | null;
  /** Processing speed relative to real time (2 = twice as fast as playback). */
  speed?: number | null;
  /** Bytes written so far. */
  totalSize?: number | null;
  bitrateKbps?: number | null;
  dupFrames?: number;
  dropFrames?: number;
  /** 'end' on the last block of a run. */
  progress?: 'continue' | 'end';
}

function num(v: string): number | null {
  const t = v.trim();
  if (t === '' || t === 'N/A') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** "1.5x" -> 1.5 */
function speed(v: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?(?:e[+-]?\d+)?)x\s*$/.exec(v);
  return m ? Number(m[1]) : null;
}

/** "123.4kbits/s" -> 123.4 */
function bitrate(v: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)kbits\/s\s*$/.exec(v);
  return m ? Number(m[1]) : null;
}

/** "1234kB" (stats line, 1024-byte kB) -> bytes */
function size(v: string): number | null {
  const m = /^\s*(\d+)(k|K)i?B\s*$/.exec(v);
  if (m) return Number(m[1]) * 1024;
  return num(v);
}

/** "00:00:01.040000" -> microseconds; null for N/A and for the negative garbage printed before the first frame. */
function timeUs(v: string): number | null {
  const s = parseTimestamp(v);
  return s === null || s < 0 ? null : Math.round(s * 1e6);
}

/** Applies one key=value pair to `out`; false for keys this parser does not use. */
function apply(out: ProgressUpdate, key: string, value: string): boolean {
  switch (key) {
    case 'frame': {
      const n = num(value);
      if (n === null) return false;
      out.frame = n;
      return true;
    }
    case 'fps':
      out.fps = num(value);
      return true;
    case 'out_time_us':
    case 'out_time_ms': {
      const n = num(value);
      out.outTimeUs = n === null || n < 0 ? null : n;
      return true;
    }
    case 'out_time':
    case 'time':
      out.outTimeUs = timeUs(value);
      return true;
    case 'speed':
      out.speed = speed(value);
      return true;
    case 'total_size':
    case 'size':
    case 'Lsize':
      out.totalSize = size(value);
      return true;
    case 'bitrate':
      out.bitrateKbps = bitrate(value);
      return true;
    case 'dup_frames':
    case 'dup': {
      const n = num(value);
      if (n === null) return false;
      out.dupFrames = n;
      return true;
    }
    case 'drop_frames':
    case 'drop': {
      const n = num(value);
      if (n === null) return false;
      out.dropFrames = n;
      return true;
    }
    case 'progress':
      if (value.trim() !== 'continue' && value.trim() !== 'end') return false;
      out.progress = value.trim() as 'continue' | 'end';
      return true;
    default:
      return false;
  }
}

/**
 * Parses one line of `-progress` output or one classic stats line. Returns the fields it carries,
 * or null when it carries none this parser knows (other keys, other stderr lines). Merge the
 * updates into a running state; a block is complete when `progress` is set.
 */
export function parseProgress(line: string): ProgressUpdate | null {
  const trimmed = line.trim();
  const out: ProgressUpdate = {};
  // Stats line: several "key= value" pairs on one line, starting with frame= or size=.
  if (/^(frame|size)=\s*\S+\s+\w+=/.test(trimmed)) {
    let any = false;
    for (const m of trimmed.matchAll(/(\w+)=\s*(\S+)/g)) any = apply(out, m[1]!, m[2]!) || any;
    return any ? out : null;
  }
  const m = /^([\w.]+)=(.*)$/.exec(trimmed);
  if (!m) return null;
  return apply(out, m[1]!, m[2]!) ? out : null;
}
