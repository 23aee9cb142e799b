import { describe, it, expect } from 'vitest';
import { CmaEs, symmetricEigen } from '../../src/lib/tune/cmaes';

/** Runs ask/tell until `evals` evaluations; returns the best value and point seen. */
function minimise(f: (x: number[]) => number, es: CmaEs, evals: number): { best: number; x: number[]; asked: number[][] } {
  let best = Infinity;
  let bx: number[] = [];
  const asked: number[][] = [];
  for (let i = 0; i < evals; i++) {
    const c = es.ask();
    asked.push(c.x);
    const v = f(c.x);
    if (v < best) {
      best = v;
      bx = c.x;
    }
    es.tell(c, v);
  }
  return { best, x: bx, asked };
}

describe('CMA-ES', () => {
  it('converges on a shifted sphere', () => {
    const shift = [1.5, -2, 0.7, 3];
    const f = (x: number[]) => x.reduce((a, v, i) => a + (v - shift[i]) ** 2, 0);
    const es = new CmaEs({ mean: [0, 0, 0, 0], sigma: 1, seed: 3 });
    const { best, x } = minimise(f, es, 800);
    expect(best).toBeLessThan(1e-10);
    x.forEach((v, i) => expect(v).toBeCloseTo(shift[i], 4));
    expect(es.sigma).toBeLessThan(1e-3); // the step size shrank as it closed in
  });

  it('converges on the Rosenbrock valley (curved, ill-conditioned)', () => {
    const f = (x: number[]) => {
      let s = 0;
      for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
      return s;
    };
    const es = new CmaEs({ mean: [-1, 2, 0], sigma: 0.5, seed: 11 });
    const { best, x } = minimise(f, es, 3000);
    expect(best).toBeLessThan(1e-8);
    x.forEach((v) => expect(v).toBeCloseTo(1, 3));
  });

  it('stays inside bounds and finds an optimum on the boundary', () => {
    // Optimum (1.4, -0.3) lies outside the box [0,1]²: the best feasible point is (1, 0).
    const f = (x: number[]) => (x[0] - 1.4) ** 2 + (x[1] + 0.3) ** 2;
    const es = new CmaEs({ mean: [0.5, 0.5], sigma: 0.3, seed: 5, lower: [0, 0], upper: [1, 1] });
    const { x, asked } = minimise(f, es, 300);
    for (const a of asked) for (const v of a) expect(v >= 0 && v <= 1).toBe(true);
    expect(x[0]).toBeCloseTo(1, 3);
    expect(x[1]).toBeCloseTo(0, 3);
  });

  it('is reproducible from its seed (what makes a search log replayable)', () => {
    const f = (x: number[]) => x[0] ** 2 + 3 * x[1] ** 2;
    const a = minimise(f, new CmaEs({ mean: [1, 1], sigma: 0.5, seed: 9 }), 40).asked;
    const b = minimise(f, new CmaEs({ mean: [1, 1], sigma: 0.5, seed: 9 }), 40).asked;
    const c = minimise(f, new CmaEs({ mean: [1, 1], sigma: 0.5, seed: 10 }), 40).asked;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('refuses misuse clearly', () => {
    const es = new CmaEs({ mean: [0, 0], sigma: 1, seed: 1, popSize: 2 });
    const c0 = es.ask();
    es.ask();
    expect(() => es.ask()).toThrow(/tell their values first/);
    es.tell(c0, 1);
    expect(() => es.tell(c0, 1)).toThrow(/already told/);
    expect(() => new CmaEs({ mean: [0], sigma: 0, seed: 1 })).toThrow(/sigma/);
    expect(() => new CmaEs({ mean: [0, 0], sigma: 1, seed: 1, lower: [0, 1], upper: [1, 1] })).toThrow(/bound 1/);
  });
});

describe('symmetricEigen', () => {
  it('diagonalises a symmetric matrix: A v = λ v with orthonormal v', () => {
    const A = [
      [4, 1, -2],
      [1, 2, 0.5],
      [-2, 0.5, 3],
    ];
    const { values, vectors } = symmetricEigen(A);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 3; i++) {
        const av = A[i].reduce((s, a, j) => s + a * vectors[j][k], 0);
        expect(av).toBeCloseTo(values[k] * vectors[i][k], 10);
      }
      for (let l = 0; l < 3; l++) {
        const dot = vectors.reduce((s, row) => s + row[k] * row[l], 0);
        expect(dot).toBeCloseTo(k === l ? 1 : 0, 10);
      }
    }
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(9, 10); // trace
  });
});
