import { describe, it, expect } from 'vitest';
import { parseArgs } from '../../src/cli/common/args';
import { commandDecl } from '../../src/cli/common/commandFlags';
import { routeFeaturesFromFlags } from '../../src/cli/common/routeFlags';
import { hyperFromFlags } from '../../src/cli/train/studentFlags';
import { studentConfigFor } from '../../src/lib/train/session';

// `train student` and `export torch` read the route inputs from the same flags into the same spec.
const args = (command: 'train student' | 'export torch', line: string) =>
  parseArgs(line.split(' ').filter(Boolean), commandDecl(command, 'u'));

describe('route input flags', () => {
  it('give the same spec to a trained student and to an export, the city choosing the Markov chain', () => {
    const line = '--route-markov --route-zone-plan --route-speeds fitted';
    const spec = routeFeaturesFromFlags(args('export torch', `torch ${line}`), 'sf');
    expect(spec).toEqual({ speeds: 'fitted', markov: { alpha: 30, lengthPerKm: 10 }, zonePlan: true });
    expect(studentConfigFor(hyperFromFlags(args('train student', `student ${line}`), 'sf')).routeFeatures).toEqual(spec);
    // Any one of the flags turns the time-left inputs on; none leaves the student without them.
    expect(routeFeaturesFromFlags(args('train student', 'student --route-features'), 'porto')).toEqual({ speeds: 'free-flow' });
    expect(routeFeaturesFromFlags(args('train student', 'student --route-markov'), 'porto')).toEqual({
      speeds: 'free-flow',
      markov: { alpha: 1, lengthPerKm: 3 },
    });
    expect(routeFeaturesFromFlags(args('train student', 'student --lr 1e-3'), 'porto')).toBeUndefined();
    expect(hyperFromFlags(args('train student', 'student'), 'porto').routeFeatures).toBe(false);
    expect(() => routeFeaturesFromFlags(args('export torch', 'torch --route-speeds live'), 'porto')).toThrow(
      /--route-speeds must be one of free-flow, fitted \(got live\)/,
    );
  });
});
