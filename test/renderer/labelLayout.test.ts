// The timeline's text layout: track names on a box inside their track, ruler labels inside the canvas.
import { describe, expect, it } from 'vitest';
import { placeRulerLabels, trackLabelBox } from '../../renderer/timeline/labelLayout.js';

describe('trackLabelBox', () => {
  it('sits at the top-left of its track, wide enough for the text', () => {
    const b = trackLabelBox(60, 40.3);
    expect(b.y).toBeGreaterThan(60);
    expect(b.y + b.h).toBeLessThanOrEqual(60 + 26); // inside a 26 px track
    expect(b.textX).toBeGreaterThanOrEqual(b.x);
    expect(b.textX + 40.3).toBeLessThanOrEqual(b.x + b.w);
    expect(b.textY).toBeLessThanOrEqual(b.y + b.h);
  });
});

describe('placeRulerLabels', () => {
  it('puts a label just right of its tick', () => {
    expect(placeRulerLabels([{ tickX: 0, w: 14 }, { tickX: 100, w: 14 }], 400)).toEqual([2, 102]);
  });
  it('moves the label at the end of the clip left so that it is not cut ("30s", not "3")', () => {
    const [, , last] = placeRulerLabels([{ tickX: 0, w: 14 }, { tickX: 300, w: 18 }, { tickX: 600, w: 18 }], 600);
    expect(last).not.toBeNull();
    expect(last! + 18).toBeLessThanOrEqual(600);
    expect(last).toBeGreaterThan(300 + 18);
  });
  it('drops a label that would then overlap the one before it', () => {
    expect(placeRulerLabels([{ tickX: 0, w: 14 }, { tickX: 590, w: 18 }, { tickX: 598, w: 18 }], 600)).toEqual([2, 581, null]);
  });
});
