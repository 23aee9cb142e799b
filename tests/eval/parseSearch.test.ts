import { describe, it, expect } from 'vitest';
import { parseSearch } from '../../src/cli/eval/evalPairedSearch';

describe('eval paired-search --a/--b', () => {
  it('reads the search settings and refuses unknown or bad ones by name', () => {
    expect(parseSearch('method=bestFirst,maxExpansions=5000', 'b')).toEqual({ method: 'bestFirst', maxExpansions: 5000 });
    expect(parseSearch('method=beam,beam=8,maxSteps=300', 'a')).toEqual({ method: 'beam', beam: 8, maxSteps: 300 });
    expect(() => parseSearch('beam=0', 'a')).toThrow('--a: beam must be a positive integer, got "0"');
    expect(() => parseSearch('width=4', 'b')).toThrow('--b: unknown setting "width"');
    expect(parseSearch('method=bestFirst,guide=0.5', 'b')).toEqual({ method: 'bestFirst', guide: 0.5 });
    expect(() => parseSearch('method=beam,guide=0.5', 'b')).toThrow('--b: guide applies to method=bestFirst only');
    expect(() => parseSearch('method=bestFirst,guide=-1', 'a')).toThrow('--a: guide must be a number ≥ 0, got "-1"');
  });

  it('reads the tail guard’s cap for beam and best-first, and refuses a cap below 1', () => {
    expect(parseSearch('method=bestFirst,cap=1.2', 'b')).toEqual({ method: 'bestFirst', cap: 1.2 });
    expect(parseSearch('method=beam,beam=4,cap=1.5', 'b')).toEqual({ method: 'beam', beam: 4, cap: 1.5 });
    expect(() => parseSearch('method=bestFirst,cap=0.9', 'b')).toThrow('--b: cap must be a number ≥ 1, got "0.9"');
    expect(() => parseSearch('cap=', 'b')).toThrow('--b: cap must be a number ≥ 1, got ""');
  });

  it('reads the length penalty for best-first only', () => {
    expect(parseSearch('method=bestFirst,length=3,cap=1.2', 'b')).toEqual({ method: 'bestFirst', lengthPerKm: 3, cap: 1.2 });
    expect(() => parseSearch('method=beam,length=3', 'b')).toThrow('--b: length applies to method=bestFirst only');
    expect(() => parseSearch('method=bestFirst,length=-1', 'b')).toThrow('--b: length must be a number ≥ 0, got "-1"');
  });
});
