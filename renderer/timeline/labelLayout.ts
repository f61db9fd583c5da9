// Pure layout of the text drawn on the timeline canvas: track names on a backing box (drawn over
// the data, so bars cannot hide them) and the ruler's time labels kept inside the canvas.

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The backing box of a track name `textW` wide at the track's top-left corner (trackY). */
export function trackLabelBox(trackY: number, textW: number, fontPx = 10): Box & { textX: number; textY: number } {
  const padX = 3;
  const h = fontPx + 4;
  return { x: 2, y: trackY + 1, w: Math.ceil(textW) + 2 * padX, h, textX: 2 + padX, textY: trackY + 1 + fontPx };
}

/**
 * Where each ruler label starts: just right of its tick, but moved left so it ends inside the
 * canvas (a label at the clip's end would otherwise be cut, "3" for "30s"); a label that would
 * then overlap the one before it is dropped (null).
 */
export function placeRulerLabels(labels: readonly { tickX: number; w: number }[], width: number, gap = 4): (number | null)[] {
  const out: (number | null)[] = [];
  let end = -Infinity;
  for (const l of labels) {
    const x = Math.max(0, Math.min(l.tickX + 2, width - l.w - 1));
    if (x < end + gap) {
      out.push(null);
      continue;
    }
    out.push(x);
    end = x + l.w;
  }
  return out;
}
