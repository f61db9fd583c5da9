// What the time-track canvases share (the attention timeline, the faithfulness tracks): press and
// drag to seek, redraws coalesced to one per animation frame, and a crisp backing store.
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

/**
 * Sizes the canvas to its CSS width and `height` CSS pixels at the device pixel ratio, clears it
 * to the track background, and returns its context in CSS pixels (null when not drawable yet).
 */
export function prepareTrackCanvas(c: HTMLCanvasElement, height: number): { g: CanvasRenderingContext2D; W: number } | null {
  const dpr = window.devicePixelRatio || 1;
  const W = c.clientWidth;
  c.style.height = `${height}px`;
  if (c.width !== Math.round(W * dpr) || c.height !== Math.round(height * dpr)) {
    c.width = Math.round(W * dpr);
    c.height = Math.round(height * dpr);
  }
  const g = c.getContext('2d');
  if (!g || W === 0) return null;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = '#15181d';
  g.fillRect(0, 0, W, height);
  return { g, W };
}

/** A run of differently coloured texts on one line (a track name with its legend). */
export type TextRun = readonly { text: string; colour: string }[];

export function textRunWidth(g: CanvasRenderingContext2D, run: TextRun): number {
  return run.reduce((w, p) => w + g.measureText(p.text).width, 0);
}

/** Draws the run from (x, y), each part in its colour, in g's current font. */
export function fillTextRun(g: CanvasRenderingContext2D, run: TextRun, x: number, y: number): void {
  for (const p of run) {
    g.fillStyle = p.colour;
    g.fillText(p.text, x, y);
    x += g.measureText(p.text).width;
  }
}
