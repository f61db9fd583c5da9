// HTTP Range requests for media streaming (a <video> element seeks with them). Pure.
// Only single ranges are served: browsers never ask for multipart ranges for media.

export type RangeResult =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

/** header: the Range header or undefined; size: the file's length. end is inclusive. */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'full' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return { kind: 'full' }; // unknown units or multiple ranges: RFC 9110 allows ignoring the header
  const [, a, b] = m;
  if (a === '' && b === '') return { kind: 'unsatisfiable' };
  let start: number;
  let end: number;
  if (a === '') {
    // suffix: the last N bytes
    const n = Number(b);
    if (n === 0) return { kind: 'unsatisfiable' };
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}
