import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BANDS, drawFigures, generationRows, stepsRows } from '../../scripts/figures';
import { removeTempDirs, tempDir } from '../tempDirs';

// Arm a's committed outputs: the figures must draw what the experiment log's tables say.
const steps = JSON.parse(readFileSync('docs/experiments/runs/arm-a/paired-steps-test.json', 'utf8'));
const report = JSON.parse(readFileSync('docs/experiments/runs/arm-a/paired-report.json', 'utf8'));

afterAll(removeTempDirs);

describe('experiment figures', () => {
  it('takes each band’s paired NLL and accuracy effect, accuracy in points', () => {
    const rows = stepsRows('a', steps);
    expect(rows.map((r) => r.x)).toEqual(BANDS.flatMap((b) => [b, b]));
    const last = steps.effects.byStepsToEnd[0];
    const [nll, acc] = rows;
    expect([nll.mean, nll.lo, nll.hi]).toEqual([last.decisionNll.mean, ...last.decisionNll.ci95]);
    expect(acc.mean).toBeCloseTo(last.decisionAcc.mean * 100, 10);
    expect(acc.hi).toBeCloseTo(last.decisionAcc.ci95[1] * 100, 10);
  });

  it('takes reached and DTW, the primary generation metrics, for every split', () => {
    const rows = generationRows('a', report);
    expect(rows.map((r) => `${r.panel}|${r.x}`).sort()).toEqual([
      'Δ DTW to the real trip (km)|test OD',
      'Δ DTW to the real trip (km)|train OD',
      'Δ reached (points)|test OD',
      'Δ reached (points)|train OD',
    ]);
    const dtw = rows.find((r) => r.panel.startsWith('Δ DTW') && r.x === 'test OD');
    expect(dtw?.mean).toBe(report.splits.test.effects.odDtwKm.mean);
  });

  it('draws an SVG per figure whose inputs exist, naming the arms found', async () => {
    const written = await drawFigures('docs/experiments', tempDir('figures-'));
    expect(written.map((f) => basename(f))).toEqual(
      expect.arrayContaining(['teacher-near-destination.svg', 'porto-arms-by-steps-left.svg']),
    );
    const svg = readFileSync(written.find((f) => f.endsWith('porto-arms-by-steps-left.svg')) ?? '', 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a: thesis optimum');
    expect(svg).toContain('Δ decision NLL (nats)');
  });
});
