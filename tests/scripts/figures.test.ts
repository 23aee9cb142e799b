import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BANDS, drawFigures, generationRows, stepsRows, transferRows } from '../../scripts/figures';
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

  it('takes a transfer regime’s whole-test effects and its test OD generation, at the regime', () => {
    const rows = transferRows('25 %', steps, report);
    expect(rows.map((r) => `${r.panel}|${r.x}`)).toEqual([
      'Δ decision NLL (nats)|25 %',
      'Δ decision accuracy (points)|25 %',
      'Δ reached (points)|25 %',
      'Δ DTW to the real trip (km)|25 %',
    ]);
    expect(rows[0].mean).toBe(steps.effects.decisionNll.mean);
    expect(rows[3].lo).toBe(report.splits.test.effects.odDtwKm.ci95[0]);
    expect(transferRows('5 %')).toEqual([]);
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
