import { describe, it, expect } from 'vitest';
import { parseSearch } from '../../src/cli/evalPairedSearch';

describe('eval paired-search --a/--b', () => {
  it('reads the search settings and refuses unknown or bad ones by name', () => {
    expect(parseSearch('method=bestFirst,maxExpansions=5000', 'b')).toEqual({ method: 'bestFirst', maxExpansions: 5000 });
    expect(parseSearch('method=beam,beam=8,maxSteps=300', 'a')).toEqual({ method: 'beam', beam: 8, maxSteps: 300 });
    expect(() => parseSearch('beam=0', 'a')).toThrow('--a: beam must be a positive integer, got "0"');
    expect(() => parseSearch('width=4', 'b')).toThrow('--b: unknown setting "width"');
  });
});
