// The browser's links for a finished export: the clip (it downloads by itself too) and its two
// timeline files, each by its own handle and under the name it is saved as; a PNG sequence is one
// ZIP that holds its timeline, so it gets one link.
import { describe, expect, it } from 'vitest';
import type { ExportResult } from '../../src/contract/index.js';
import { exportLinks } from '../../renderer/panels/exportLinks.js';

const clip: ExportResult = {
  path: '/data/exports/car-detection-attention-1a2b3c.mp4', name: 'car-detection-attention-1a2b3c.mp4', sizeBytes: 1000, download: 'dl-0000000000000001',
  sidecars: { json: '/data/exports/car-detection-attention-1a2b3c.mp4.timeline.json', csv: '/data/exports/car-detection-attention-1a2b3c.mp4.timeline.csv' },
  sidecarDownloads: { json: 'dl-0000000000000002', csv: 'dl-0000000000000003' },
};

describe('exportLinks', () => {
  it('links the clip and its timeline files by their own handles, named <clip>.timeline.json/.csv', () => {
    expect(exportLinks(clip, false)).toEqual([
      { part: 'clip', name: 'car-detection-attention-1a2b3c.mp4', download: 'dl-0000000000000001' },
      { part: 'json', name: 'car-detection-attention-1a2b3c.mp4.timeline.json', download: 'dl-0000000000000002' },
      { part: 'csv', name: 'car-detection-attention-1a2b3c.mp4.timeline.csv', download: 'dl-0000000000000003' },
    ]);
  });

  it('names files from a Windows service too', () => {
    const win = { ...clip, sidecars: { json: 'C:\\data\\exports\\a.gif.timeline.json', csv: 'C:\\data\\exports\\a.gif.timeline.csv' } };
    expect(exportLinks(win, false).map((l) => l.name).slice(1)).toEqual(['a.gif.timeline.json', 'a.gif.timeline.csv']);
  });

  it('gives a PNG sequence one link, its ZIP (which holds the timeline)', () => {
    const png = { ...clip, name: 'car-detection-attention-1a2b3c', sidecars: { json: '/e/car-detection-attention-1a2b3c/timeline.json', csv: '/e/car-detection-attention-1a2b3c/timeline.csv' } };
    expect(exportLinks(png, true)).toEqual([{ part: 'clip', name: 'car-detection-attention-1a2b3c.zip', download: 'dl-0000000000000001' }]);
  });

  it('offers no timeline link without handles for it (a volume export, an older service)', () => {
    const { sidecarDownloads: _, ...old } = clip;
    expect(exportLinks(old, false).map((l) => l.part)).toEqual(['clip']);
    const vol: ExportResult = { path: '/e/a.nii.gz', name: 'a.nii.gz', sizeBytes: 1, download: 'dl-0000000000000004' };
    expect(exportLinks(vol, false)).toEqual([{ part: 'clip', name: 'a.nii.gz', download: 'dl-0000000000000004' }]);
  });
});
