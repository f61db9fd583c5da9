import { describe, expect, it } from 'vitest';
import { interpolateViridis } from 'd3-scale-chromatic';
import { colormapNames, getColormap, jet, parseCssColor } from '../../src/media/colormaps.js';
import { isMediaError } from '../../src/media/errors.js';

const at = (lut: Uint8Array, i: number) => [lut[i * 3], lut[i * 3 + 1], lut[i * 3 + 2]];

describe('colour maps', () => {
  it('every map is a 256 x RGB table', () => {
    expect([...colormapNames]).toEqual(['jet', 'viridis', 'inferno', 'magma', 'plasma', 'turbo', 'grey']);
    for (const name of colormapNames) expect(getColormap(name).length).toBe(768);
  });

  it('jet: dark blue -> blue -> cyan -> yellow -> red -> dark red, like MATLAB', () => {
    const lut = getColormap('jet');
    expect(at(lut, 0)).toEqual([0, 0, 128]);
    expect(at(lut, 255)).toEqual([128, 0, 0]);
    expect(jet(0.5)).toEqual([0.5, 1, 0.5]);
    expect(jet(0.375)).toEqual([0, 1, 1]); // cyan
    expect(jet(0.625)).toEqual([1, 1, 0]); // yellow
    expect(jet(0.125)).toEqual([0, 0, 1]); // blue
    expect(jet(0.875)).toEqual([1, 0, 0]); // red
    expect(jet(-1)).toEqual(jet(0));
  });

  it('perceptual maps come from d3 (viridis ends, turbo\'s rgb() strings)', () => {
    const v = getColormap('viridis');
    expect(at(v, 0)).toEqual(parseCssColor(interpolateViridis(0)));
    expect(at(v, 0)).toEqual([68, 1, 84]);
    expect(at(v, 255)).toEqual([253, 231, 37]);
    expect(at(getColormap('inferno'), 255)).toEqual([252, 255, 164]);
    const turbo = getColormap('turbo');
    expect(at(turbo, 0)).toEqual([35, 23, 27]);
    // perceptual maps get brighter from 0 to 1
    for (const name of ['viridis', 'inferno', 'magma', 'plasma'] as const) {
      const lut = getColormap(name);
      const luma = (i: number) => 0.299 * lut[i * 3]! + 0.587 * lut[i * 3 + 1]! + 0.114 * lut[i * 3 + 2]!;
      expect(luma(255)).toBeGreaterThan(luma(128));
      expect(luma(128)).toBeGreaterThan(luma(0));
    }
  });

  it('grey runs black to white; names are case-insensitive and "gray" is accepted', () => {
    const g = getColormap('GRAY');
    expect(at(g, 0)).toEqual([0, 0, 0]);
    expect(at(g, 128)).toEqual([128, 128, 128]);
    expect(at(g, 255)).toEqual([255, 255, 255]);
    expect(getColormap('Jet')).toBe(getColormap('jet'));
  });

  it('unknown names: an error listing the known ones', () => {
    let err: unknown;
    try {
      getColormap('rainbow');
    } catch (e) {
      err = e;
    }
    expect(isMediaError(err, 'invalid-argument')).toBe(true);
    expect((err as Error).message).toBe('Unknown colour map "rainbow". Known colour maps: jet, viridis, inferno, magma, plasma, turbo, grey.');
  });

  it('parses both colour syntaxes d3 uses', () => {
    expect(parseCssColor('#21918c')).toEqual([33, 145, 140]);
    expect(parseCssColor('rgb(149, 251, 81)')).toEqual([149, 251, 81]);
    expect(() => parseCssColor('hsl(1,2%,3%)')).toThrow();
  });
});
