// A long-running ffmpeg whose pipes the caller drives: the streaming decoder reads frames from
// stdout at its own pace (backpressure: when nobody reads, the pipe fills and ffmpeg blocks in
// write), the encoder writes frames to stdin. runFfmpeg.ts cannot do this: it collects or pushes
// output as it arrives and offers no way to pause. The rules are runFfmpeg's: the binary from
// ffmpegBinary(), `-hide_banner -nostdin`-style defaults, the child counted by liveFfmpegCount()
// and killed at parent exit, and stopping = close our pipe ends (so a blocked write fails at once
// with EPIPE), SIGTERM, then SIGKILL after a grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { MediaErrorCode } from './errors.js';
import { ffmpegBinary } from './ffmpegPath.js';
import { FfmpegError, StderrBuffer, lastMeaningfulLine, spawnFailure, trackFfmpegChild } from './runFfmpeg.js';

export interface FfmpegProcessOptions {
  /** The file concerned: named in error messages. */
  input?: string;
  /** Aborting stops ffmpeg; failure() then reports code 'aborted'. */
  signal?: AbortSignal;
  /** Pipe our data into ffmpeg's stdin (encoders). Default false: stdin is /dev/null. */
  stdin?: boolean;
  /** Pipe ffmpeg's stdout to us (decoders, -progress pipe:1). Default true. */
  stdout?: boolean;
  /**
   * Receives each complete stderr line. Return true to mark it consumed: it is then not kept for
   * error messages (per-frame showinfo lines would crowd out the real error).
   */
  onStderrLine?: (line: string) => boolean | void;
  /** Time between SIGTERM and SIGKILL. Default 1000 ms. */
  killGraceMs?: number;
  ffmpegPath?: string;
}

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running ffmpeg. Create with startFfmpeg(). */
export class FfmpegProcess {
  readonly child: ChildProcess;
  readonly args: string[];
  /** ffmpeg's stdout (null unless piped). Read it in paused mode for backpressure. */
  readonly stdout: Readable | null;
  /** ffmpeg's stdin (null unless piped). */
  readonly stdin: Writable | null;
  /** Resolves when the process has exited and its stderr is fully read. Never rejects. */
  readonly exited: Promise<FfmpegExit>;
  private exitInfo: FfmpegExit | null = null;
  private readonly stderr = new StderrBuffer();
  private stopReason: { code: MediaErrorCode; message: string; cause?: unknown } | null = null;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly input: string | undefined;
  private readonly grace: number;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = (): void => {
    this.stop('aborted', `cancelled${this.input ? ` while processing "${this.input}"` : ''}`, this.signal?.reason);
  };

  /** @internal use startFfmpeg */
  constructor(child: ChildProcess, args: string[], opts: FfmpegProcessOptions) {
    this.child = child;
    this.args = args;
    this.input = opts.input;
    this.grace = opts.killGraceMs ?? 1000;
    this.signal = opts.signal;
    this.stdout = child.stdout ?? null;
    this.stdin = child.stdin ?? null;
    // Pipe errors (EPIPE after ffmpeg exits, or after we destroy our end) surface through exit status.
    this.stdout?.on('error', () => {});
    this.stdin?.on('error', () => {});

    const decoder = new StringDecoder('utf8');
    let partial = '';
    const emit = (text: string, final: boolean): void => {
      const parts = (partial + text).split(/\r\n|\r|\n/);
      partial = final ? '' : parts.pop()!;
      for (const line of parts) {
        if (!line) continue;
        let consumed = false;
        try {
          consumed = opts.onStderrLine?.(line) === true;
        } catch {
          // a parsing callback's failure must not break the run
        }
        if (!consumed) this.stderr.push(line + '\n');
      }
    };
    child.stderr?.on('data', (chunk: Buffer) => emit(decoder.write(chunk), false));
    child.stderr?.on('error', () => {});

    this.exited = new Promise<FfmpegExit>((resolve) => {
      child.on('close', (code, signal) => {
        emit(decoder.end(), true);
        if (this.killTimer) clearTimeout(this.killTimer);
        this.signal?.removeEventListener('abort', this.onAbort);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });

    if (this.signal?.aborted) queueMicrotask(this.onAbort);
    else this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Exit status once exited, else null. */
  get exitStatus(): FfmpegExit | null {
    return this.exitInfo;
  }

  /** Why we stopped ffmpeg, if we did. */
  get stopped(): { code: MediaErrorCode; message: string } | null {
    return this.stopReason;
  }

  /** stderr so far, without consumed lines; middle elided when long. */
  stderrText(): string {
    return this.stderr.text();
  }

  /** ffmpeg's own last word on what went wrong, or null. */
  ffmpegMessage(): string | null {
    const inputs: string[] = [];
    for (let i = 0; i < this.args.length - 1; i++) if (this.args[i] === '-i') inputs.push(this.args[i + 1]!);
    return lastMeaningfulLine(this.stderr.text(), inputs);
  }

  /**
   * Stops ffmpeg (idempotent): closes our ends of its pipes, so a write blocked on a full pipe fails
   * at once, sends SIGTERM, and SIGKILL after the grace period if it is still there.
   */
  stop(code: MediaErrorCode = 'aborted', message = 'stopped', cause?: unknown): void {
    if (this.exitInfo) return;
    if (!this.stopReason) this.stopReason = { code, message, cause };
    this.stdout?.destroy();
    this.stdin?.destroy();
    try {
      this.child.kill('SIGTERM');
    } catch {
      // already gone
    }
    this.killTimer ??= setTimeout(() => {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }, this.grace);
  }

  /** stop() and wait until the process is gone. */
  async kill(): Promise<void> {
    this.stop(this.stopReason?.code ?? 'aborted', this.stopReason?.message ?? 'stopped');
    await this.exited;
  }

  /**
   * The error describing how this run ended badly: our stop reason (aborted, ...) or ffmpeg's
   * exit status with its last meaningful stderr line. `what` prefixes the message.
   */
  failure(what: string): FfmpegError {
    const st = this.exitInfo;
    const ffmpegMessage = this.ffmpegMessage();
    if (this.stopReason) {
      return new FfmpegError(this.stopReason.code, `${what}: ${this.stopReason.message}`, {
        file: this.input, exitCode: st?.code, exitSignal: st?.signal, stderr: this.stderrText(), ffmpegMessage, pid: this.pid, cause: this.stopReason.cause,
      });
    }
    const how = st ? (st.signal ? `killed by ${st.signal}` : `exit code ${st.code}`) : 'still running';
    return new FfmpegError('ffmpeg-failed', `${what}: ${ffmpegMessage ?? 'ffmpeg gave no reason'} (${how})`, {
      file: this.input, exitCode: st?.code, exitSignal: st?.signal, stderr: this.stderrText(), ffmpegMessage, pid: this.pid,
    });
  }
}

/**
 * Starts ffmpeg with `args` (after `-hide_banner -nostdin` when stdin is not piped). Throws a
 * MediaError ('ffmpeg-missing') when the binary cannot be started, or 'aborted' when the signal
 * has already fired.
 */
export async function startFfmpeg(args: readonly string[], opts: FfmpegProcessOptions = {}): Promise<FfmpegProcess> {
  if (opts.signal?.aborted) {
    throw new FfmpegError('aborted', `cancelled before ffmpeg started${opts.input ? ` for "${opts.input}"` : ''}`, { file: opts.input, cause: opts.signal.reason });
  }
  const binary = opts.ffmpegPath ?? ffmpegBinary().path;
  // -nostdin stops ffmpeg from reading keys from our terminal; it must go when stdin carries data.
  const fullArgs = ['-hide_banner', ...(opts.stdin ? [] : ['-nostdin']), ...args];
  let child: ChildProcess;
  try {
    child = spawn(binary, fullArgs, {
      stdio: [opts.stdin ? 'pipe' : 'ignore', opts.stdout === false ? 'ignore' : 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (e) {
    throw spawnFailure(binary, opts.input, e);
  }
  if (child.pid === undefined) {
    // ENOENT/EACCES arrive as an 'error' event on the next tick.
    const err = await new Promise<unknown>((resolve) => child.once('error', resolve));
    throw spawnFailure(binary, opts.input, err);
  }
  child.on('error', () => {}); // kill() on an exited child and the like; the exit status tells the story
  trackFfmpegChild(child);
  return new FfmpegProcess(child, fullArgs, opts);
}
