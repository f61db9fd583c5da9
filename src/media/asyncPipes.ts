// Two small async adapters for streaming ffmpeg output: reading fixed-size records (raw frames)
// from a Readable at the consumer's pace, and a queue of values produced by one callback and
// awaited by another (timestamps parsed from stderr, matched to frames read from stdout).
import type { Readable } from 'node:stream';

/**
 * Reads records of exactly `size` bytes from a Readable in paused mode. Nothing is read from the
 * underlying pipe until the consumer asks: this is what makes the decoder respect backpressure
 * (Node buffers at most about one record beyond the pipe, then stops reading, the pipe fills,
 * and ffmpeg blocks in write()).
 */
export class RecordReader {
  private ended = false;
  private waiter: (() => void) | null = null;
  private pending = false;

  constructor(
    private readonly stream: Readable,
    readonly size: number,
  ) {
    const wake = (): void => {
      const w = this.waiter;
      if (w) {
        this.waiter = null;
        w();
      } else {
        this.pending = true;
      }
    };
    const finish = (): void => {
      this.ended = true;
      wake();
    };
    stream.on('readable', wake);
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  }

  /**
   * The next record; a shorter Buffer when the stream ended mid-record; null at the end (or once
   * the stream is destroyed).
   */
  async next(): Promise<Buffer | null> {
    for (;;) {
      if (this.stream.destroyed) return null;
      // read(n) returns exactly n bytes, or null until n are buffered; after the end it returns
      // whatever remains (fewer than n), and null once empty.
      const chunk = this.stream.read(this.size) as Buffer | null;
      if (chunk) return chunk;
      if (this.ended || this.stream.readableEnded) return null;
      await new Promise<void>((resolve) => {
        if (this.pending) {
          this.pending = false;
          resolve();
        } else {
          this.waiter = resolve;
        }
      });
    }
  }
}

/** An unbounded FIFO whose take() waits for a value; after close(), take() drains then returns null. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private head = 0;
  private closed = false;
  private waiter: (() => void) | null = null;

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  get length(): number {
    return this.items.length - this.head;
  }

  async take(): Promise<T | null> {
    for (;;) {
      if (this.head < this.items.length) {
        const item = this.items[this.head++]!;
        // Compact now and then so a long run does not keep every consumed item.
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items.splice(0, this.head);
          this.head = 0;
        }
        return item;
      }
      if (this.closed) return null;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
