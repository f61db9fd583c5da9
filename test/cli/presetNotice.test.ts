// --preset paper asks for the paper's Adam; with --solver auto a linear head is solved exactly
// instead, and the CLI says so (src/cli/presetNotice.ts).
import { describe, expect, it } from 'vitest';
import { paperPresetNotice } from '../../src/cli/presetNotice.js';

describe('paperPresetNotice', () => {
  it('speaks only when the paper preset was asked for and the exact solver ran under auto', () => {
    expect(paperPresetNotice('paper', 'auto', ['exact'])).toMatch(/linear in the filter.*--solver iterative/);
    expect(paperPresetNotice('paper', 'auto', ['gradient', 'exact'])).not.toBeNull();
    expect(paperPresetNotice('paper', 'auto', ['iterative'])).toBeNull(); // a non-linear head: Adam ran
    expect(paperPresetNotice('paper', 'auto', ['gradient'])).toBeNull(); // Grad-CAM only
    expect(paperPresetNotice('paper', 'auto', [])).toBeNull();
    expect(paperPresetNotice('paper', 'exact', ['exact'])).toBeNull(); // asked for exact
    expect(paperPresetNotice('converged', 'auto', ['exact'])).toBeNull();
  });
});
