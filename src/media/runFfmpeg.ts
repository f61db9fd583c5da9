// Runs ffmpeg as a child process and turns every way it can end into either a result or one
// MediaError whose message names the input file and ffmpeg's own complaint. The process is never
// left behind: abort and timeout send SIGTERM (ffmpeg then flushes and exits) and SIGKILL after a
// grace period; the promise settles only once the process is gone; and a process 'exit' hook kills
// whatever is still running when the parent exits. (A parent killed by SIGKILL runs no hook; an
// ffmpeg writing to our stdout pipe then dies of SIGPIPE on its next write, which covers decoders.)
import { spawn, type ChildProcess } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import { MediaError, type MediaErrorCode } from './errors.js';
import { ffmpegBinary } from './ffmpegPath.js';

export interface RunFfmpegOptions {
  /** The file being processed: named in every error message. */
  input?: string;
  /** Aborting kills ffmpeg; the promise then rejects with a MediaError of code 'aborted'. */
  signal?: AbortSignal;
  /** Kill ffmpeg and reject ('timeout') after this many milliseconds. 0 or absent: no limit. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL when stopping ffmpeg. Default 1000 ms. */
  killGraceMs?: number;
  /**
   * Exit codes that count as success. Default [0]. Probing with `ffmpeg -i FILE` and no output
   * always exits 1, so probes accept 1 and judge the stderr instead.
   */
  okExitCodes?: readonly number[];
  /** Bytes written to ffmpeg's stdin (for `-i pipe:0`); stdin is closed afterwards. */
  stdin?: Uint8Array;
  /** Receives each stdout chunk as it arrives. When given, stdout is not collected. */
  onStdout?: (chunk: Buffer) => void;
  /** Receives each complete stderr line (ffmpeg ends progress lines with '\r', others with '\n'). */
  onStderrLine?: (line: string) => void;
  /** Kill ffmpeg and reject ('output-limit') once stdout exceeds this many bytes. */
  maxStdoutBytes?: number;
  /** The binary to run. Default: ffmpegBinary().path. */
  ffmpegPath?: string;
  /** Prepend `-hide_banner -nostdin` (no banner noise; never read keys from our stdin). Default true. */
  defaultArgs?: boolean;
}

export interface FfmpegRun {
  /** Exit code (one of okExitCodes). */
  code: number;
  /** All stdout, concatenated (empty when onStdout was given). */
  stdout: Buffer;
  /** stderr text; for very long runs the middle is elided (see StderrBuffer). */
  stderr: string;
  pid: number;
  ms: number;
  /** The full argument list passed to the binary. */
  args: string[];
}

/** A failed ffmpeg run. `ffmpegMessage` is the line of stderr that explains it, when there is one. */
export class FfmpegError extends MediaError {
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly ffmpegMessage: string | null;
  readonly pid: number | undefined;

  constructor(
    code: MediaErrorCode,
    message: string,
    details: {
      file?: string;
      exitCode?: number | null;
      exitSignal?: NodeJS.Signals | null;
      stderr?: string;
      ffmpegMessage?: string | null;
      pid?: number;
      cause?: unknown;
    },
  ) {
    super(code, message, { file: details.file, cause: details.cause });
    this.exitCode = details.exitCode ?? null;
    this.exitSignal = details.exitSignal ?? null;
    this.stderr = details.stderr ?? '';
    this.ffmpegMessage = details.ffmpegMessage ?? null;
    this.pid = details.pid;
  }
}

// ---------------------------------------------------------------------------------------------
// stderr: what to keep, and which line explains a failure.

/**
 * Keeps the start of stderr (the input description probes parse) and its end (where the error is),
 * and drops the middle once it gets long: a long decode prints a stats line every half second.
 */
export class StderrBuffer {
  private head = '';
  private tail: string[] = [];
  private tailLength = 0;
  private dropped = 0;

  constructor(
    private readonly headMax = 256 * 1024,
    private readonly tailMax = 64 * 1024,
  ) {}

  push(text: string): void {
    if (this.head.length < this.headMax) {
      const room = this.headMax - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
      if (!text) return;
    }
    this.tail.push(text);
    this.tailLength += text.length;
    while (this.tailLength - (this.tail[0]?.length ?? 0) >= this.tailMax && this.tail.length > 1) {
      const removed = this.tail.shift()!;
      this.tailLength -= removed.length;
      this.dropped += removed.length;
    }
  }

  text(): string {
    const gap = this.dropped > 0 ? `\n[... ${this.dropped} characters of ffmpeg output omitted ...]\n` : '';
    return this.head + gap + this.tail.join('');
  }
}

/** Lines that never explain a failure: info dumps, stats, and consequences of an earlier error. */
const NOISE: readonly RegExp[] = [
  /^\s*$/,
  /^\s/, // indented: stream descriptions, metadata, configuration
  /^ffmpeg version /,
  /^(Input|Output) #\d+/,
  /^Stream mapping:/,
  /^Press \[q\]/,
  /^At least one output file must be specified/,
  /^Conversion failed!?$/,
  /^Exiting normally/,
  /^frame=\s*\d+/, // stats line
  /^size=\s*\S+\s+time=/, // stats line without video
  /^video:\S+ audio:\S+/, // final size summary
  /^Consider increasing the value for the 'analyzeduration'/,
  /^Cannot determine format of input stream/,
  /^Error marking filters as finished/,
  /^Output file is empty, nothing was encoded/,
  /^Nothing was written into output file/,
  /^\[q\] command received/,
  /^\[out#\d+\/\w+ @ [^\]]+\] video:/, // ffmpeg 6+ summary
];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The stderr lines that explain what went wrong, in order, cleaned for display: the `@ 0x55d1...`
 * context pointer is removed from `[png @ 0x55d1...]` prefixes, and a leading `INPUT: ` (ffmpeg
 * repeats the file name, which our messages already give) is removed. Repeats are dropped.
 */
export function meaningfulLines(stderr: string, inputs: readonly string[] = []): string[] {
  const prefixes = inputs.map((input) => new RegExp(`^${escapeRegExp(input)}:\\s*`));
  const out: string[] = [];
  for (const raw of stderr.split(/\r\n|\r|\n/)) {
    const line = raw.trimEnd();
    if (NOISE.some((re) => re.test(line))) continue;
    let clean = line.replace(/^\[([\w:./-]+) @ (0x)?[0-9a-fA-F]+\]\s*/, '[$1] ');
    const prefix = prefixes.find((p) => p.test(clean));
    if (prefix) clean = clean.replace(prefix, '');
    if (out[out.length - 1] !== clean) out.push(clean);
  }
  return out;
}

/** The last of meaningfulLines(): usually ffmpeg's final word on a failure. Null when none. */
export function lastMeaningfulLine(stderr: string, inputs: readonly string[] = []): string | null {
  const lines = meaningfulLines(stderr, inputs);
  return lines.length ? lines[lines.length - 1]! : null;
}

/** The arguments that follow each `-i`: what ffmpeg names at the start of its error lines. */
function inputArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length - 1; i++) if (args[i] === '-i') out.push(args[i + 1]!);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Children still running, killed if the parent exits first.

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' listeners must be synchronous; kill() is a synchronous syscall.
  process.once('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** How many ffmpeg processes started here are still running (for tests and diagnostics). */
export function liveFfmpegCount(): number {
  return live.size;
}

/**
 * Registers a child started outside runFfmpeg (the streaming decoders and encoders in
 * ffmpegProcess.ts) so it is counted by liveFfmpegCount() and killed if the parent exits first.
 * It is forgotten when it exits.
 */
export function trackFfmpegChild(child: ChildProcess): void {
  live.add(child);
  installExitHook();
  const forget = (): void => {
    live.delete(child);
  };
  child.once('exit', forget);
  child.once('close', forget);
  child.once('error', () => {
    if (child.pid === undefined) forget();
  });
}

// ---------------------------------------------------------------------------------------------

function describe(input: string | undefined): string {
  return input ? ` on "${input}"` : '';
}

/**
 * Runs ffmpeg with `args` and resolves with its output, or rejects with an FfmpegError whose message
 * names `opts.input` and the last meaningful stderr line. Settles only after the process has exited.
 */
export function runFfmpeg(args: readonly string[], opts: RunFfmpegOptions = {}): Promise<FfmpegRun> {
  const fullArgs = [...(opts.defaultArgs === false ? [] : ['-hide_banner', '-nostdin']), ...args];
  const okCodes = opts.okExitCodes ?? [0];
  const grace = opts.killGraceMs ?? 1000;
  const input = opts.input;

  return new Promise<FfmpegRun>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new FfmpegError('aborted', `ffmpeg was cancelled before it started${describe(input)}`, { file: input, cause: opts.signal.reason }));
      return;
    }

    let binary: string;
    try {
      binary = opts.ffmpegPath ?? ffmpegBinary().path;
    } catch (e) {
      reject(e);
      return;
    }

    const started = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(binary, fullArgs, {
        stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (e) {
      reject(spawnFailure(binary, input, e));
      return;
    }

    const stderrBuffer = new StderrBuffer();
    const decoder = new StringDecoder('utf8');
    let partialLine = '';
    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    /** Why we are stopping ffmpeg ourselves, if we are. */
    let stopping: { code: MediaErrorCode; message: string; cause?: unknown } | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    let timeoutTimer: NodeJS.Timeout | undefined;
    let settled = false;

    const cleanup = (): void => {
      live.delete(child);
      if (killTimer) clearTimeout(killTimer);
      if (timeoutTimer) clearTimeout(timeoutTimer);
      opts.signal?.removeEventListener('abort', onAbort);
    };

    const stop = (reason: NonNullable<typeof stopping>): void => {
      if (stopping || settled) return;
      stopping = reason;
      try {
        child.kill('SIGTERM');
      } catch {
        // already exited
      }
      // ffmpeg normally exits on SIGTERM within milliseconds; one stuck in I/O gets SIGKILL.
      killTimer = setTimeout(() => {
        try {
          child.kill('SIGKILL');
        } catch {
          // already exited
        }
      }, grace);
    };

    function onAbort(): void {
      stop({ code: 'aborted', message: `ffmpeg was cancelled${describe(input)}`, cause: opts.signal?.reason });
    }

    child.on('error', (err) => {
      // Without a pid the process never started (ENOENT, EACCES): no 'close' will follow.
      if (child.pid === undefined && !settled) {
        settled = true;
        cleanup();
        reject(spawnFailure(binary, input, err));
      }
    });

    if (child.pid === undefined) return; // spawn failed; the 'error' handler rejects
    live.add(child);
    installExitHook();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.timeoutMs && opts.timeoutMs > 0) {
      const ms = opts.timeoutMs;
      timeoutTimer = setTimeout(
        () => stop({ code: 'timeout', message: `ffmpeg timed out after ${(ms / 1000).toFixed(1)} s${describe(input)}` }),
        ms,
      );
    }

    if (opts.stdin && child.stdin) {
      // ffmpeg may stop reading early (it has what it needs, or failed): EPIPE is expected then.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.stdin);
    }

    child.stdout!.on('data', (chunk: Buffer) => {
      if (stopping) return;
      stdoutBytes += chunk.length;
      if (opts.maxStdoutBytes !== undefined && stdoutBytes > opts.maxStdoutBytes) {
        stop({ code: 'output-limit', message: `ffmpeg produced more than ${opts.maxStdoutBytes} bytes${describe(input)}` });
        return;
      }
      if (opts.onStdout) {
        try {
          opts.onStdout(chunk);
        } catch (e) {
          stop({ code: 'ffmpeg-failed', message: `processing ffmpeg output failed${describe(input)}: ${e instanceof Error ? e.message : String(e)}`, cause: e });
        }
      } else {
        stdoutChunks.push(chunk);
      }
    });

    const emitLines = (text: string, final: boolean): void => {
      if (!opts.onStderrLine) return;
      const parts = (partialLine + text).split(/\r\n|\r|\n/);
      partialLine = final ? '' : parts.pop()!;
      for (const line of parts) {
        if (!line) continue;
        try {
          opts.onStderrLine(line);
        } catch {
          // a progress callback's failure must not break the run
        }
      }
    };
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      stderrBuffer.push(text);
      emitLines(text, false);
    });
    child.stdout!.on('error', () => {});
    child.stderr!.on('error', () => {});

    child.on('close', (exitCode, exitSignal) => {
      if (settled) return;
      settled = true;
      cleanup();
      const rest = decoder.end();
      stderrBuffer.push(rest);
      emitLines(rest, true);
      const stderr = stderrBuffer.text();
      const pid = child.pid!;
      const ffmpegMessage = lastMeaningfulLine(stderr, inputArgs(fullArgs));
      if (stopping) {
        reject(new FfmpegError(stopping.code, stopping.message, { file: input, exitCode, exitSignal, stderr, ffmpegMessage, pid, cause: stopping.cause }));
        return;
      }
      if (exitCode !== null && okCodes.includes(exitCode)) {
        resolve({ code: exitCode, stdout: Buffer.concat(stdoutChunks), stderr, pid, ms: Date.now() - started, args: fullArgs });
        return;
      }
      const how = exitSignal ? `killed by ${exitSignal}` : `exit code ${exitCode}`;
      reject(
        new FfmpegError(
          'ffmpeg-failed',
          `ffmpeg failed${describe(input)}: ${ffmpegMessage ?? 'no error message'} (${how})`,
          { file: input, exitCode, exitSignal, stderr, ffmpegMessage, pid },
        ),
      );
    });
  });
}

/** The error for an ffmpeg that could not be started (missing binary, no permission). */
export function spawnFailure(binary: string, input: string | undefined, err: unknown): FfmpegError {
  const reason = err instanceof Error ? err.message : String(err);
  return new FfmpegError(
    'ffmpeg-missing',
    `could not start ffmpeg "${binary}"${input ? ` for "${input}"` : ''}: ${reason}. Set FFMPEG_PATH to a working ffmpeg executable.`,
    { file: input, cause: err },
  );
}
