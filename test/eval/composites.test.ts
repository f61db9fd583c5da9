// The comparison's ground truth: which pairs are built, and the boxes of their halves.
import { describe, it, expect } from 'vitest';
import { compositePlan, halfBoxes } from '../../src/eval/composites.js';
import { summarize } from '../../src/eval/summarize.js';
import { markdownTable, rowsCsv, textTable } from '../../src/eval/formatReport.js';
import { applicableMethods } from '../../src/eval/evaluateImages.js';
import { clipFlags, type ClipFrame } from '../../src/eval/evaluateClip.js';

describe('composites', () => {
  it('every unordered pair once, layouts and orders alternating', () => {
    const plan = compositePlan(['a', 'b', 'c', 'd']);
    expect(plan).toHaveLength(6);
    const pairs = plan.map((p) => [p.a, p.b].sort().join(''));
    expect(new Set(pairs).size).toBe(6);
    expect(plan.map((p) => p.layout)).toEqual(['h', 'v', 'h', 'v', 'h', 'v']);
    expect(plan.some((p) => p.a > p.b)).toBe(true);
  });
  it('half boxes tile the composite', () => {
    expect(halfBoxes('h', 224, ['cat', 'fly'])).toEqual([
      { x: 0, y: 0, width: 224, height: 224, label: 'cat' },
      { x: 224, y: 0, width: 224, height: 224, label: 'fly' },
    ]);
    expect(halfBoxes('v', 10, ['a', 'b'])[1]).toEqual({ x: 0, y: 10, width: 10, height: 10, label: 'b' });
  });
});

describe('summaries and tables', () => {
  const rows = [
    { image: 'a', method: 'gradcam' as const, target: { index: 1, label: 'x' }, boxes: 1, metrics: { score: 0.5, deletionAuc: 0.1, insertionAuc: 0.5, pointingHit: true, iou: 0.6, relevanceMass: 0.8, drop: 0.2, increase: false } },
    { image: 'b', method: 'gradcam' as const, target: { index: 1, label: 'x' }, boxes: 1, metrics: { score: 0.5, deletionAuc: 0.3, insertionAuc: 0.7, pointingHit: false, iou: 0.2, relevanceMass: 0.4, drop: 0.4, increase: true } },
    { image: 'a', method: 'l2caf' as const, target: null, boxes: 0, metrics: { score: 1, deletionAuc: 0.2, insertionAuc: 0.6 } },
  ];
  it('means per method; localisation only where measured', () => {
    const s = summarize(rows);
    expect(s.map((x) => x.method)).toEqual(['gradcam', 'l2caf']);
    expect(s[0]!.deletionAuc.mean).toBeCloseTo(0.2, 12);
    expect(s[0]!.pointing.mean).toBe(0.5);
    expect(s[0]!.localised.mean).toBe(0.5);
    expect(s[1]!.pointing.n).toBe(0);
    // t interval with n = 2: mean +- 12.706 * s / sqrt(2), clipped to 0..1
    expect(s[0]!.deletionAuc.low).toBe(0);
  });
  it('formats Markdown, text and CSV', () => {
    const s = summarize(rows);
    const md = markdownTable(s).split('\n');
    expect(md[0]).toMatch(/^\| method \| n \| deletion AUC \(lower better\) \|/);
    expect(md[2]).toMatch(/^\| Grad-CAM \| 2 \| 0\.200 \[0\.000, 1\.000\] \|/);
    expect(md[3]).toMatch(/\| L2-CAF class-oblivious \| 1 \| 0\.200 \|.*\| - \|/);
    expect(textTable(s)).toMatch(/Grad-CAM \(2 maps\)\n {2}deletion AUC/);
    const csv = rowsCsv(rows).trim().split('\n');
    expect(csv).toHaveLength(4);
    expect(csv[1]).toMatch(/^a,gradcam,1,x,1,0\.5,0\.1,0\.5,/);
  });
  it('CAM only where the head allows it', () => {
    expect(applicableMethods(undefined, true)).toEqual(['l2caf', 'l2caf-class', 'gradcam', 'cam']);
    expect(applicableMethods(undefined, false)).toEqual(['l2caf', 'l2caf-class', 'gradcam']);
    expect(() => applicableMethods(['cam'], false)).toThrow(/CAM needs/);
  });
});

describe('clip flags', () => {
  it('flags the frame whose drop stands out and the frame where the map jumps', () => {
    const drops = [0.1, 0.12, 0.11, 0.9, 0.1, 0.13];
    const flick = [null, 0.01, 0.02, 0.01, 0.5, 0.02];
    const frames: ClipFrame[] = drops.map((d, i) => ({
      index: 10 + i, timeS: i / 10, boxes: 1,
      maps: [{ method: 'gradcam', target: { index: 3, label: 'c' }, metrics: { score: 0.5, drop: d }, flicker: flick[i]! }],
    }));
    expect(clipFlags(frames)).toEqual([{ method: 'gradcam', target: { index: 3, label: 'c' }, faithfulness: [13], faithfulnessBy: 'drop', flicker: [14] }]);
  });
});
