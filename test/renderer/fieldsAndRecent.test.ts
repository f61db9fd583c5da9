// The volume viewer's suggestions for its model, layer and class fields, and the start screen's
// names for recent files (pure parts).
import { describe, expect, it } from 'vitest';
import { classSuggestions, layerSuggestions, modelSuggestions } from '../../renderer/volume/suggestions.js';
import { recentKind } from '../../renderer/panels/recentKind.js';

describe('volume field suggestions', () => {
  it('offers the catalogue with the default first', () => {
    const models = [
      { id: 'a', name: 'A net', format: 'tfjs', inputSize: [224, 224] as [number, number], defaultLayer: 'x', verified: true, isDefault: false },
      { id: 'b', name: 'B net', format: 'tfjs', inputSize: [224, 224] as [number, number], defaultLayer: 'y', verified: true, isDefault: true },
    ];
    expect(modelSuggestions(models)).toEqual([{ value: 'b', label: 'B net (default)' }, { value: 'a', label: 'A net' }]);
  });
  it('offers the layers with a spatial map, their shapes, the default marked', () => {
    const layers = [
      { name: 'conv1', type: 'Conv2D', shape: [null, 28, 28, 16], spatial: true },
      { name: 'pool', type: 'GlobalAveragePooling2D', shape: [null, 16], spatial: false },
      { name: 'conv2', type: 'Conv2D', shape: [null, 14, 14, 32], spatial: true },
    ];
    expect(layerSuggestions({ layers, defaultLayer: 'conv2' })).toEqual([
      { value: 'conv1', label: '28×28×16' },
      { value: 'conv2', label: '14×14×32 (default)' },
    ]);
  });
  it('offers classes by first name, and by index where the name resolves to another class', () => {
    // "tub" resolves to the bathtub (a synonym there, earlier in the list): the tub is offered by index
    expect(classSuggestions(['bathtub, bathing tub, bath, tub', 'tub, vat'])).toEqual([{ value: 'bathtub', label: '#0' }, { value: '1', label: 'tub' }]);
    expect(classSuggestions(['tench, Tinca tinca', 'crane', 'sports car, sport car', 'Crane', ''])).toEqual([
      { value: 'tench', label: '#0' },
      { value: 'crane', label: '#1' }, // (the first "crane" is the one the name resolves to)
      { value: 'sports car', label: '#2' },
      { value: '3', label: 'Crane' },
      { value: '4', label: 'class #4' },
    ]);
    expect(classSuggestions(null)).toEqual([]);
  });
});

describe('recent files', () => {
  it('calls a picture an image, whatever it opened as', () => {
    expect(recentKind({ name: 'chelsea.PNG', kind: 'video' })).toBe('image');
    expect(recentKind({ name: 'clip.mp4', kind: 'video' })).toBe('video');
    expect(recentKind({ name: 'scan.nii.gz', kind: 'volume' })).toBe('volume');
  });
});
