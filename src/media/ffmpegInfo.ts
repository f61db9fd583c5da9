// Parses what `ffmpeg -i FILE` prints about its input. We parse this text rather than call ffprobe
// because the bundled ffmpeg (@ffmpeg-installer) ships without ffprobe. Pure: text in, data out.
// The format has drifted between ffmpeg versions, so every field is optional in the parse and
// the patterns accept the variants seen in 4.x to 7.x:
//   4.x:  Stream #0:0(eng): Video: h264 (Baseline) (avc1 / 0x31637661), yuv420p(tv), 768x432 [SAR 1:1 DAR 16:9], 614 kb/s, 12.50 fps, 12.50 tbr, 25k tbn, 25 tbc (default)
//   6.x+: Stream #0:1[0x2](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080, 14798 kb/s, SAR 1:1 DAR 16:9, 30.01 fps, 30 tbr, 600 tbn (default)
// Rotation appears as stream side data ("displaymatrix: rotation of -90.00 degrees"; 7.x spells it
// "Display Matrix") and, in 4.x, also as a `rotate` metadata tag.

export interface VideoStreamInfo {
  kind: 'video';
  /** Stream index within the input (the N of "Stream #0:N"). */
  index: number;
  codec: string;
  /** e.g. 'High', 'Baseline' (the first parenthesised word after the codec), when printed. */
  profile: string | null;
  pixelFormat: string | null;
  /** Coded size; null when ffmpeg could not determine it (a corrupt file). */
  width: number | null;
  height: number | null;
  /**
   * Frame rate as ffmpeg's `tbr` (its guess of r_frame_rate, the rate timestamps advance at), else
   * the average `fps`. Printed rounded to 2 decimals (29.97 for 30000/1001).
   */
  fps: number | null;
  /** The average frame rate (`fps`, ffprobe's avg_frame_rate), when printed. */
  avgFps: number | null;
  /**
   * Rotation in degrees counter-clockwise, from the display matrix (as ffprobe reports it: -90 for
   * a phone held upright), normalised to (-180, 180]; 0 when none. ffmpeg rotates decoded frames by
   * it unless -noautorotate is given.
   */
  rotation: number;
  /** Size after that rotation: what decoded frames will measure (width/height swapped at +-90). */
  displayWidth: number | null;
  displayHeight: number | null;
  bitrateKbps: number | null;
  language: string | null;
  /** Disposition flags printed after the stream, e.g. ['default'] or ['attached pic']. */
  dispositions: string[];
  metadata: Record<string, string>;
}

export interface AudioStreamInfo {
  kind: 'audio';
  index: number;
  codec: string;
  profile: string | null;
  sampleRate: number | null;
  /** Layout as printed: 'mono', 'stereo', '5.1(side)', '3 channels'. */
  channelLayout: string | null;
  channels: number | null;
  bitrateKbps: number | null;
  language: string | null;
  dispositions: string[];
  metadata: Record<string, string>;
}

export interface OtherStreamInfo {
  kind: 'subtitle' | 'data' | 'attachment' | 'unknown';
  index: number;
  codec: string;
  language: string | null;
  dispositions: string[];
  metadata: Record<string, string>;
}

export type StreamInfo = VideoStreamInfo | AudioStreamInfo | OtherStreamInfo;

export interface MediaInfo {
  /** Demuxer name(s) as printed: 'png_pipe', 'image2', 'mov,mp4,m4a,3gp,3g2,mj2', 'gif'. */
  format: string | null;
  /** Seconds; null when ffmpeg prints N/A (single PNGs, GIFs, live streams). */
  duration: number | null;
  start: number | null;
  bitrateKbps: number | null;
  /** Container-level metadata tags. */
  metadata: Record<string, string>;
  streams: StreamInfo[];
  /** The first video stream that is not cover art, else the first video stream; null if none. */
  video: VideoStreamInfo | null;
  /** The first audio stream, null if none. */
  audio: AudioStreamInfo | null;
}

/** "29.97" -> 29.97, "25k" -> 25000, "N/A" -> null. */
function parseRate(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(k)?$/.exec(s.trim());
  if (!m) return null;
  return Number(m[1]) * (m[2] ? 1000 : 1);
}

/** "HH:MM:SS.ss" -> seconds (negative times occur in odd files), null for N/A or garbage. */
export function parseTimestamp(s: string): number | null {
  const m = /^(-)?(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(s.trim());
  if (!m) return null;
  const t = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return m[1] ? -t : t;
}

/** Splits at commas outside parentheses and brackets: "yuv420p(tv, bt709), 640x360" -> 2 parts. */
export function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    else if ((ch === ')' || ch === ']') && depth > 0) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

/** Degrees into (-180, 180], with -0 turned into 0. */
export function normaliseRotation(deg: number): number {
  let r = ((deg % 360) + 360) % 360;
  if (r > 180) r -= 360;
  return r === 0 ? 0 : r;
}

const CHANNELS: Record<string, number> = {
  mono: 1,
  stereo: 2,
  '2.1': 3,
  '3.0': 3,
  quad: 4,
  '4.0': 4,
  '5.0': 5,
  '5.1': 6,
  '6.1': 7,
  '7.1': 8,
};

function channelCount(layout: string): number | null {
  const base = layout.replace(/\(.*\)$/, '');
  if (base in CHANNELS) return CHANNELS[base]!;
  const m = /^(\d+) channels?/.exec(layout);
  return m ? Number(m[1]) : null;
}

/** Pulls trailing "(default)", "(attached pic)"... off a stream description. */
function takeDispositions(desc: string): { rest: string; dispositions: string[] } {
  const dispositions: string[] = [];
  let rest = desc.trimEnd();
  for (;;) {
    const m = /\s*\(([a-z][a-z _]*)\)$/.exec(rest);
    // Only known words: "(High)" or "(avc1 / 0x...)" belong to the codec, not the disposition.
    if (!m || !DISPOSITIONS.has(m[1]!)) break;
    dispositions.unshift(m[1]!);
    rest = rest.slice(0, m.index).trimEnd();
  }
  return { rest, dispositions };
}

const DISPOSITIONS = new Set([
  'default', 'dub', 'original', 'comment', 'lyrics', 'karaoke', 'forced', 'hearing impaired',
  'visual impaired', 'clean effects', 'attached pic', 'timed thumbnails', 'non diegetic', 'captions',
  'descriptions', 'metadata', 'dependent', 'still image', 'multilayer',
]);

function codecAndProfile(part: string): { codec: string; profile: string | null } {
  const codec = /^(\S+)/.exec(part)?.[1] ?? 'unknown';
  // The first parenthesised group that is not a fourcc "(avc1 / 0x31637661)".
  const groups = [...part.matchAll(/\(([^()]*)\)/g)].map((m) => m[1]!);
  const profile = groups.find((g) => !g.includes(' / ')) ?? null;
  return { codec, profile };
}

function parseVideo(index: number, desc: string, language: string | null, dispositions: string[]): VideoStreamInfo {
  const parts = splitTopLevel(desc);
  const { codec, profile } = codecAndProfile(parts[0] ?? '');
  const info: VideoStreamInfo = {
    kind: 'video', index, codec, profile, pixelFormat: null, width: null, height: null, fps: null,
    avgFps: null, rotation: 0, displayWidth: null, displayHeight: null, bitrateKbps: null, language,
    dispositions, metadata: {},
  };
  let tbr: number | null = null;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    let m: RegExpExecArray | null;
    if ((m = /^(\d+)x(\d+)(?:\s|$)/.exec(p))) {
      info.width = Number(m[1]);
      info.height = Number(m[2]);
    } else if ((m = /^(\S+) fps$/.exec(p))) {
      info.avgFps = parseRate(m[1]!);
    } else if ((m = /^(\S+) tbr$/.exec(p))) {
      tbr = parseRate(m[1]!);
    } else if ((m = /^(\d+(?:\.\d+)?) kb\/s$/.exec(p))) {
      info.bitrateKbps = Number(m[1]);
    } else if (i === 1 && /^[a-z0-9_]+(\(.*\))?$/.test(p)) {
      info.pixelFormat = p.replace(/\(.*\)$/, '');
    }
  }
  info.fps = tbr ?? info.avgFps;
  return info;
}

function parseAudio(index: number, desc: string, language: string | null, dispositions: string[]): AudioStreamInfo {
  const parts = splitTopLevel(desc);
  const { codec, profile } = codecAndProfile(parts[0] ?? '');
  const info: AudioStreamInfo = {
    kind: 'audio', index, codec, profile, sampleRate: null, channelLayout: null, channels: null,
    bitrateKbps: null, language, dispositions, metadata: {},
  };
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    let m: RegExpExecArray | null;
    if ((m = /^(\d+) Hz$/.exec(p))) {
      info.sampleRate = Number(m[1]);
      // The channel layout follows the sample rate.
      const layout = parts[i + 1];
      if (layout !== undefined) {
        info.channelLayout = layout;
        info.channels = channelCount(layout);
      }
    } else if ((m = /^(\d+(?:\.\d+)?) kb\/s$/.exec(p))) {
      info.bitrateKbps = Number(m[1]);
    }
  }
  return info;
}

const STREAM_LINE = /^\s*Stream #(\d+):(\d+)(?:\[[^\]]*\])?(?:\(([^)]*)\))?: (\w+): (.*)$/;

/**
 * Parses the description of input #0 from `ffmpeg -i FILE` stderr. Returns null when there is none
 * (ffmpeg could not open the file: the reason is then in the stderr's last lines).
 */
export function parseFfmpegInfo(stderr: string): MediaInfo | null {
  const lines = stderr.split(/\r\n|\r|\n/);
  const start = lines.findIndex((l) => /^Input #0, /.test(l));
  if (start < 0) return null;

  const header = /^Input #0, (.*), from '.*':\s*$/.exec(lines[start]!);
  const info: MediaInfo = {
    format: header ? header[1]! : null,
    duration: null, start: null, bitrateKbps: null, metadata: {}, streams: [], video: null, audio: null,
  };

  // Where metadata lines currently go, and per-stream rotation sources.
  let metadataTarget: Record<string, string> | null = null;
  let inSideData = false;
  let current: StreamInfo | null = null;
  /** Inside a chapter or program block, whose metadata belongs to neither input nor stream. */
  let elsewhere = false;
  const matrixRotation = new Map<StreamInfo, number>();
  const tagRotation = new Map<StreamInfo, number>();

  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    // The input section ends at the first unindented line (next input, output, or a message).
    if (!/^\s/.test(line)) break;
    const trimmed = line.trim();
    let m: RegExpExecArray | null;

    if ((m = /^Duration: ([^,]+)(?:, start: ([^,]+))?(?:, bitrate: (.+))?$/.exec(trimmed))) {
      info.duration = m[1] === 'N/A' ? null : parseTimestamp(m[1]!);
      info.start = m[2] !== undefined && /^-?\d+(\.\d+)?$/.test(m[2]) ? Number(m[2]) : null;
      const br = m[3] !== undefined ? /^(\d+(?:\.\d+)?) kb\/s/.exec(m[3]) : null;
      info.bitrateKbps = br ? Number(br[1]) : null;
      metadataTarget = null;
      inSideData = false;
    } else if ((m = STREAM_LINE.exec(line))) {
      if (m[1] !== '0') break; // another input's streams (cannot happen within Input #0, but be safe)
      const index = Number(m[2]);
      const language = m[3] && m[3] !== 'und' ? m[3] : null;
      const type = m[4]!;
      const { rest, dispositions } = takeDispositions(m[5]!);
      if (type === 'Video') current = parseVideo(index, rest, language, dispositions);
      else if (type === 'Audio') current = parseAudio(index, rest, language, dispositions);
      else {
        const kind = type === 'Subtitle' ? 'subtitle' : type === 'Data' ? 'data' : type === 'Attachment' ? 'attachment' : 'unknown';
        current = { kind, index, codec: /^(\S+)/.exec(rest)?.[1]?.replace(/,$/, '') ?? 'unknown', language, dispositions, metadata: {} };
      }
      info.streams.push(current);
      elsewhere = false;
      metadataTarget = null;
      inSideData = false;
    } else if (/^(Chapter|Program) /.test(trimmed)) {
      // Chapters and programs carry their own metadata; keep it out of the container's and streams'.
      current = null;
      metadataTarget = null;
      inSideData = false;
      elsewhere = true;
    } else if (trimmed === 'Metadata:') {
      metadataTarget = elsewhere ? {} : current ? current.metadata : info.metadata;
      inSideData = false;
    } else if (/^Side data:$/i.test(trimmed)) {
      inSideData = true;
      metadataTarget = null;
    } else if (inSideData && current && (m = /display ?matrix:\s*rotation of\s*(-?\d+(?:\.\d+)?)\s*degrees/i.exec(trimmed))) {
      matrixRotation.set(current, Number(m[1]));
    } else if (metadataTarget && (m = /^([^:]+?)\s*:\s?(.*)$/.exec(trimmed))) {
      metadataTarget[m[1]!] = m[2]!;
      if (current && metadataTarget === current.metadata && m[1] === 'rotate' && /^-?\d+(\.\d+)?$/.test(m[2]!)) {
        tagRotation.set(current, Number(m[2]));
      }
    }
  }

  for (const s of info.streams) {
    if (s.kind !== 'video') continue;
    // The display matrix is authoritative; the legacy `rotate` tag is clockwise, hence the sign.
    const matrix = matrixRotation.get(s);
    const tag = tagRotation.get(s);
    s.rotation = matrix !== undefined ? normaliseRotation(matrix) : tag !== undefined ? normaliseRotation(-tag) : 0;
    const quarterTurns = Math.round(s.rotation / 90);
    const swap = Math.abs(quarterTurns) % 2 === 1;
    s.displayWidth = swap ? s.height : s.width;
    s.displayHeight = swap ? s.width : s.height;
  }

  const videos = info.streams.filter((s): s is VideoStreamInfo => s.kind === 'video');
  info.video = videos.find((v) => !v.dispositions.includes('attached pic')) ?? videos[0] ?? null;
  info.audio = info.streams.find((s): s is AudioStreamInfo => s.kind === 'audio') ?? null;
  return info;
}
