// Pure: where slices sit on the slice timeline (x in pixels across `width`).

/** The slice under x in a timeline `width` pixels wide showing `total` slices. */
export function sliceAtX(x: number, width: number, total: number): number {
  if (total <= 0 || width <= 0) return 0;
  return Math.max(0, Math.min(total - 1, Math.floor((x / width) * total)));
}

/** The centre x of slice `index`. */
export function xOfSlice(index: number, width: number, total: number): number {
  return ((index + 0.5) / total) * width;
}
