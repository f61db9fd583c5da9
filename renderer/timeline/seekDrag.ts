// Press and drag on a time track to seek: shared by the attention timeline and the faithfulness
// tracks, which both map x to time over the clip's duration.
import { xToTime } from './scale.js';

export function attachSeekDrag(canvas: HTMLCanvasElement, duration: () => number, onSeek: (t: number) => void): void {
  let dragging = false;
  const seekAt = (ev: PointerEvent): void => {
    const r = canvas.getBoundingClientRect();
    onSeek(xToTime(ev.clientX - r.left, duration(), r.width));
  };
  canvas.addEventListener('pointerdown', (ev) => {
    dragging = true;
    canvas.setPointerCapture(ev.pointerId);
    seekAt(ev);
  });
  canvas.addEventListener('pointermove', (ev) => {
    if (dragging) seekAt(ev);
  });
  const stop = (): void => {
    dragging = false;
  };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
}

/** A draw function coalesced to at most one call per animation frame (the playhead moves at the video's rate). */
export function perAnimationFrame(draw: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };
}
