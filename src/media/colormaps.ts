// 256-entry RGB lookup tables for drawing attention maps. Perceptual maps come from
// d3-scale-chromatic; jet is written out because d3 has none and CAM/Grad-CAM papers (through
// OpenCV's COLORMAP_JET) made it the one readers expect.
import {
  interpolateInferno,
  interpolateMagma,
  interpolatePlasma,
  interpolateTurbo,
  interpolateViridis,
} from 'd3-scale-chromatic';
import { MediaError } from './errors.js';

export const colormapNames = ['jet', 'viridis', 'inferno', 'magma', 'plasma', 'turbo', 'grey'] as const;
export type ColormapName = (typeof colormapNames)[number];

/** 256 colours, R,G,B interleaved (768 bytes): entry i is the colour of value i / 255. */
export type Colormap = Uint8Array;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * MATLAB's jet as the usual piecewise-linear formula: dark blue (0,0,0.5) at 0, through blue,
 * cyan, yellow, red, to dark red (0.5,0,0) at 1. Each channel is a trapezoid: 1.5 - |4t - c|.
 */
export function jet(t: number): [number, number, number] {
  const x = clamp01(t);
  return [clamp01(1.5 - Math.abs(4 * x - 3)), clamp01(1.5 - Math.abs(4 * x - 2)), clamp01(1.5 - Math.abs(4 * x - 1))];
}

/** Parses d3's colour strings: "#rrggbb" (the ramps) or "rgb(r, g, b)" (turbo). */
export function parseCssColor(s: string): [number, number, number] {
  let m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(s);
  if (m) return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
  m = /^rgb\(\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)\s*\)$/.exec(s);
  if (m) return [Math.round(Number(m[1])), Math.round(Number(m[2])), Math.round(Number(m[3]))];
  throw new Error(`unrecognised colour string from d3-scale-chromatic: ${s}`);
}

function build(color: (t: number) => [number, number, number]): Colormap {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = color(i / 255);
    lut[i * 3] = r;
    lut[i * 3 + 1] = g;
    lut[i * 3 + 2] = b;
  }
  return lut;
}

const fromD3 = (interpolate: (t: number) => string) => (t: number) => parseCssColor(interpolate(t));
const from01 = (f: (t: number) => [number, number, number]) => (t: number): [number, number, number] => {
  const [r, g, b] = f(t);
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
};

const builders: Record<ColormapName, () => Colormap> = {
  jet: () => build(from01(jet)),
  viridis: () => build(fromD3(interpolateViridis)),
  inferno: () => build(fromD3(interpolateInferno)),
  magma: () => build(fromD3(interpolateMagma)),
  plasma: () => build(fromD3(interpolatePlasma)),
  turbo: () => build(fromD3(interpolateTurbo)),
  // Black to white. (d3's interpolateGreys runs white to black, the wrong way round for "more attention".)
  grey: () => build((t) => [Math.round(t * 255), Math.round(t * 255), Math.round(t * 255)]),
};

const cache = new Map<ColormapName, Colormap>();

/** True when `name` is one of colormapNames (exact, lower case). */
export function isColormapName(name: string): name is ColormapName {
  return (colormapNames as readonly string[]).includes(name);
}

/**
 * The lookup table for `name` (case-insensitive; 'gray' is accepted for 'grey'). Tables are built
 * once and shared: treat them as read-only. Throws listing the known names otherwise.
 */
export function getColormap(name: string): Colormap {
  const key = name.trim().toLowerCase().replace(/^gray$/, 'grey');
  if (!isColormapName(key)) {
    throw new MediaError('invalid-argument', `Unknown colour map "${name}". Known colour maps: ${colormapNames.join(', ')}.`);
  }
  let lut = cache.get(key);
  if (!lut) {
    lut = builders[key]();
    cache.set(key, lut);
  }
  return lut;
}
