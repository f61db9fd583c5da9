// Progress events at most every `intervalMs`, but the last one always goes out (flush), so that a
// UI never stays at 97 %. Pure apart from the clock, which is injectable for tests.
export interface Throttled<T> {
  push(value: T): void;
  flush(): void;
  cancel(): void;
}

export function throttle<T>(send: (v: T) => void, intervalMs: number, now: () => number = Date.now): Throttled<T> {
  let last = -Infinity;
  let pending: { v: T } | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const fire = () => {
    timer = null;
    if (!pending) return;
    const v = pending.v;
    pending = null;
    last = now();
    send(v);
  };
  return {
    push(v) {
      pending = { v };
      const wait = last + intervalMs - now();
      if (wait <= 0) fire();
      else if (!timer) timer = setTimeout(fire, wait);
    },
    flush() {
      if (timer) clearTimeout(timer);
      fire();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
      pending = null;
    },
  };
}
